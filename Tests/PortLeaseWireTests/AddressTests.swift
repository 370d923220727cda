import Testing

@testable import PortLeaseWire

@Suite struct IPv4AddressTests {
    @Test(arguments: ["0.0.0.0", "192.0.2.1", "255.255.255.255", "10.0.0.254"])
    func roundTripsText(_ text: String) throws {
        let address = try #require(IPv4Address(text))
        #expect(address.description == text)
    }

    @Test(arguments: ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3", "a.b.c.d", "1.2.3.4 ", "1.2.3.-4"])
    func rejectsMalformedText(_ text: String) {
        #expect(IPv4Address(text) == nil)
    }

    @Test func octetsAreMostSignificantFirst() {
        #expect(IPv4Address(192, 0, 2, 1).value == 0xC000_0201)
    }
}

@Suite struct IPv6AddressTests {
    @Test(arguments: [
        ("::", "::"),
        ("2001:db8::1", "2001:db8::1"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("ff02::1:2", "ff02::1:2"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("::ffff:192.0.2.1", "::ffff:c000:201"),
        ("fe80::", "fe80::"),
    ])
    func canonicalText(_ input: String, _ canonical: String) throws {
        let address = try #require(IPv6Address(input))
        #expect(address.description == canonical)
        #expect(IPv6Address(canonical) == address)
    }

    @Test(arguments: [
        "", ":", ":::", "1::2::3", "12345::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "g::1", "1:2:3:4:5:6:7::8",
    ])
    func rejectsMalformedText(_ text: String) {
        #expect(IPv6Address(text) == nil)
    }

    @Test func bytesRoundTrip() throws {
        let address = try #require(IPv6Address("2001:db8:1234::abcd"))
        #expect(IPv6Address(bytes: address.bytes) == address)
        #expect(address.bytes.prefix(4) == [0x20, 0x01, 0x0D, 0xB8])
        #expect(IPv6Address.allDHCPRelayAgentsAndServers.description == "ff02::1:2")
    }
}
