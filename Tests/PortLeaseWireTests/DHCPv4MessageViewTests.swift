import Testing

@testable import PortLeaseWire

@Suite struct DHCPv4MessageViewTests {
    @Test func discoverFieldsAndOptions() throws {
        try Vectors.discover.withUnsafeBytes { raw in
            let message = try DHCPv4MessageView(parsing: raw)
            #expect(message.header.op == DHCPv4Header.bootRequest)
            #expect(message.header.xid == 0x1234_5678)
            #expect(message.header.hlen == 6)
            #expect(message.header.chaddr.text(count: 6) == "02:00:5e:10:20:30")
            #expect(message.messageType == .discover)
            #expect(message.clientIdentifier.map(Array.init) == hex("01") + Vectors.clientMAC)
            #expect(Array(message.parameterRequestList) == [1, 3, 6, 159])
            #expect(message.requests(.portParams))
            #expect(!message.requests(.domainName))
            #expect(message.portParams == (try PortParams(offset: 6, psidLength: 6, psid: 0)))
            #expect(message.requestedAddress == nil)
            #expect(message.serverIdentifier == nil)
            #expect(!message.options.isOverloaded)
            #expect(message.options.map(\.code.rawValue) == [53, 61, 55, 159])
        }
    }

    @Test func offerParsesBack() throws {
        try Vectors.offer.withUnsafeBytes { raw in
            let message = try DHCPv4MessageView(parsing: raw)
            #expect(message.messageType == .offer)
            #expect(message.header.yiaddr == Vectors.offeredAddress)
            #expect(message.serverIdentifier == Vectors.serverIdentifier)
            #expect(message.leaseTime == 3600)
            #expect(message.portParams?.psid == 0x29)
            #expect(message.options.first(.domainName).map(Array.init) == ascii("example.net"))
        }
    }

    /// A REQUEST whose options continue in `file` then `sname` (option 52 = 3).
    static let overloaded: [UInt8] = {
        var sname = hex("0f 03") + ascii("isp") + hex("ff")
        sname += zeros(64 - sname.count)
        var file = hex("35 01 03 00 00 32 04 c6 33 64 07 ff")  // 53 REQUEST, pads, 50
        file += zeros(128 - file.count)
        let header = Array(Vectors.clientHeader().prefix(44)) + sname + file
        return header + Vectors.cookie + hex("34 01 03 36 04 c0 00 02 01 ff")
    }()

    @Test func optionOverloadReadsFileThenSname() throws {
        try Self.overloaded.withUnsafeBytes { raw in
            let message = try DHCPv4MessageView(parsing: raw)
            #expect(message.options.isOverloaded)
            #expect(message.options.map(\.code.rawValue) == [52, 54, 53, 50, 15])
            #expect(message.messageType == .request)
            #expect(message.requestedAddress == Vectors.offeredAddress)
            #expect(message.serverIdentifier == Vectors.serverIdentifier)
            #expect(message.options.first(.domainName).map(Array.init) == ascii("isp"))
            #expect(message.options.mainAreaOnly.map(\.code.rawValue) == [52, 54])
        }
    }

    @Test func withoutOverloadFileAndSnameAreNotOptions() throws {
        var bytes = Self.overloaded
        bytes[240 + 2] = 0  // option 52's value 3 -> 0 is invalid ...
        #expect(
            parseError(bytes) { raw throws(WireError) in try DHCPv4MessageView(parsing: raw) }
                == .badOptionValue(layer: .dhcpv4, code: 52))
        bytes = Self.overloaded
        bytes[240] = 0x2b  // ... and as another code (43) it is plain data
        try bytes.withUnsafeBytes { raw in
            let message = try DHCPv4MessageView(parsing: raw)
            #expect(message.messageType == nil)
            #expect(message.options.map(\.code.rawValue) == [43, 54])
        }
    }

    @Test func overloadedAreaIsBoundsChecked() {
        var bytes = Self.overloaded
        bytes[108 + 6] = 0xF0  // option 50 in `file` now claims 240 bytes, past the field
        #expect(
            parseError(bytes) { raw throws(WireError) in try DHCPv4MessageView(parsing: raw) }
                == .optionOverrun(layer: .dhcpv4, code: 0x32, offset: 108 + 5))
    }

    @Test func missingEndOptionIsTolerated() throws {
        let bytes = Array(Vectors.discover.dropLast())
        let type = try parse(bytes) { raw throws(WireError) in try DHCPv4MessageView(parsing: raw).messageType }.get()
        #expect(type == .discover)
    }

    @Test func clientKeyPrefersOption61() throws {
        try Vectors.discover.withUnsafeBytes { raw in
            let message = try DHCPv4MessageView(parsing: raw)
            let key = try #require(message.clientKey)
            #expect(key.kind == .clientIdentifier)
            #expect(key.bytes == hex("01") + Vectors.clientMAC)
            #expect(message.clientKeyHash == key.stableHash)
        }
    }

    @Test func clientKeyFallsBackToHardwareAddress() throws {
        let bytes = Vectors.clientHeader() + Vectors.cookie + hex("35 01 01 ff")
        try bytes.withUnsafeBytes { raw in
            let message = try DHCPv4MessageView(parsing: raw)
            let key = try #require(message.clientKey)
            #expect(key.kind == .hardwareAddress)
            #expect(key.bytes == hex("01") + Vectors.clientMAC)
            #expect(message.clientKeyHash == key.stableHash)
        }
        var noAddress = bytes
        noAddress[2] = 0  // hlen 0, no option 61: no identity at all
        try noAddress.withUnsafeBytes { raw in
            let message = try DHCPv4MessageView(parsing: raw)
            #expect(message.clientKey == nil)
            #expect(message.clientKeyHash == nil)
        }
    }
}
