import Testing

@testable import PortLeaseWire

@Suite struct DHCPv4QueryViewTests {
    @Test func broadcastQuery() throws {
        try Vectors.query.withUnsafeBytes { raw in
            let query = try DHCPv4QueryView(DHCPv6MessageView(parsing: raw))
            #expect(query.flags == 0)
            #expect(!query.isUnicast)
            #expect(Array(query.dhcpv4Message) == Vectors.discover)
        }
    }

    @Test func unicastFlagIsTheTopBit() throws {
        var bytes = Vectors.query
        bytes[1] = 0x80
        try bytes.withUnsafeBytes { raw in
            let query = try DHCPv4QueryView(DHCPv6MessageView(parsing: raw))
            #expect(query.isUnicast)
            #expect(query.flags == 0x80_0000)
        }
    }

    @Test func reservedFlagBitsAreExposedNotRejected() throws {
        var bytes = Vectors.query
        bytes[3] = 0x01
        try bytes.withUnsafeBytes { raw in
            let query = try DHCPv4QueryView(DHCPv6MessageView(parsing: raw))
            #expect(!query.isUnicast)
            #expect(query.flags == 1)
        }
    }

    @Test func otherOptionsBesideOption87AreIgnored() throws {
        let bytes =
            hex("14 00 00 00") + hex("00 58 00 00") + hex("00 57") + be16(Vectors.discover.count) + Vectors.discover
            + hex("00 01 00 02 aa bb")
        try bytes.withUnsafeBytes { raw in
            let query = try DHCPv4QueryView(DHCPv6MessageView(parsing: raw))
            #expect(Array(query.dhcpv4Message) == Vectors.discover)
        }
    }

    @Test func responseIsReadOnlyWhenAsked() {
        #expect(
            parseError(Vectors.response) { raw throws(WireError) in try DHCPv4QueryView(DHCPv6MessageView(parsing: raw))
            }
                == .unexpectedMessageType(layer: .dhcpv6, type: 21))
        let offer = parse(Vectors.response) { raw throws(WireError) in
            Array(try DHCPv4QueryView(DHCPv6MessageView(parsing: raw), type: .dhcpv4Response).dhcpv4Message)
        }
        #expect(offer == .success(Vectors.offer))
    }
}
