import Testing

@testable import PortLeaseWire

/// decode(encode(m)) == m for randomly generated valid messages.
@Suite struct RoundTripTests {
    static let iterations = 2000

    @Test func dhcpv4Messages() throws {
        var generator = MessageGenerator(seed: 0xD4C9)
        for _ in 0..<Self.iterations {
            let message = generator.dhcpv4()
            let bytes = message.encoded()
            #expect(try DHCPv4Message(decoding: bytes) == message)
            // The typed accessors agree with the model.
            try bytes.withUnsafeBytes { raw in
                let view = try DHCPv4MessageView(parsing: raw)
                #expect(view.messageType == message.messageType)
                #expect(view.clientIdentifier.map(Array.init) == message.option(.clientIdentifier))
                #expect(Array(view.parameterRequestList) == message.option(.parameterRequestList) ?? [])
                #expect(
                    view.requestedAddress?.value
                        == message.option(.requestedAddress).map {
                            UInt32(bigEndian: $0.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) })
                        })
                if let params = view.portParams {
                    let bytes = try #require(message.option(.portParams))
                    #expect([params.offset, params.psidLength] == Array(bytes[0...1]))
                    #expect(params.wirePSID == UInt16(bytes[2]) << 8 | UInt16(bytes[3]))
                }
            }
        }
    }

    @Test func dhcpv6Messages() throws {
        var generator = MessageGenerator(seed: 0x6D6)
        for _ in 0..<Self.iterations {
            let type = DHCPv6MessageType(rawValue: UInt8(generator.int(0...255)))
            guard !type.isRelay else { continue }
            let message = DHCPv6Message(
                type: type, transactionID: generator.u32() & 0xFF_FFFF, options: generator.dhcpv6Options(max: 8))
            let decoded = try parse(message.encoded()) { raw throws(WireError) in
                DHCPv6Message(try DHCPv6MessageView(parsing: raw))
            }.get()
            #expect(decoded == message)
        }
    }

    /// Relayed queries of random depth: every level decodes to what was encoded, and
    /// the Relay-reply chain written from the parsed chain mirrors it level for level.
    @Test func relayChainsAndTheirReplies() throws {
        var generator = MessageGenerator(seed: 0x4E1A)
        for _ in 0..<(Self.iterations / 2) {
            let dhcpv4 = generator.dhcpv4()
            let unicast = generator.bool()
            let query = generator.query(dhcpv4, unicast: unicast)
            let levels = generator.relayChain(
                around: query.encoded(), depth: generator.int(0...RelayChain.maximumDepth))
            let datagram = levels.first?.encoded() ?? query.encoded()
            let reply = try datagram.withUnsafeBytes { raw in
                let packet = try DHCPv6Packet(parsing: raw)
                #expect(packet.relays.depth == levels.count)
                for (index, level) in levels.enumerated() {
                    #expect(RelayMessage(packet.relays[index]) == level)
                }
                #expect(DHCPv6Message(packet.message) == query)
                let view = try DHCPv4QueryView(packet.message)
                #expect(view.isUnicast == unicast)
                #expect(try DHCPv4Message(decoding: Array(view.dhcpv4Message)) == dhcpv4)
                return try encode(capacity: 65536) { writer throws(WireError) in
                    try writer.writeRelayReplies(mirroring: packet.relays) { inner throws(WireError) in
                        try inner.writeDHCPv4Response { body throws(WireError) in try dhcpv4.encode(into: &body) }
                    }
                }
            }
            try reply.withUnsafeBytes { raw in
                let packet = try DHCPv6Packet(parsing: raw)
                #expect(packet.relays.depth == levels.count)
                for (index, level) in levels.enumerated() {
                    let mirrored = packet.relays[index]
                    #expect(mirrored.type == .relayReply)
                    #expect(mirrored.hopCount == level.hopCount)
                    #expect(mirrored.linkAddress == level.linkAddress)
                    #expect(mirrored.peerAddress == level.peerAddress)
                    #expect(
                        mirrored.interfaceID.map(Array.init) == level.options.first { $0.code == .interfaceID }?.value)
                    #expect(mirrored.remoteID == nil)
                }
                let response = try DHCPv4QueryView(packet.message, type: .dhcpv4Response)
                #expect(response.flags == 0)
                #expect(try DHCPv4Message(decoding: Array(response.dhcpv4Message)) == dhcpv4)
            }
        }
    }

    @Test func serverAddressLists() throws {
        var generator = MessageGenerator(seed: 88)
        for _ in 0..<200 {
            let addresses = (0..<generator.int(0...10)).map { _ in generator.ipv6() }
            let bytes = try encode { writer throws(WireError) in try writer.writeDHCP4o6ServerAddresses(addresses) }
            let decoded = try parse(Array(bytes.dropFirst(4))) { raw throws(WireError) in
                Array(try DHCP4o6ServerAddresses(validating: raw))
            }.get()
            #expect(decoded == addresses)
        }
    }

    @Test func longOptionsAreSplitAndEachPieceIsReadable() throws {
        let long = (0..<600).map { UInt8(truncatingIfNeeded: $0) }
        let bytes = try encode { writer throws(WireError) in
            try writer.writeDHCPv4Option(.init(rawValue: 224), bytes: long)
        }
        #expect(bytes.count == 600 + 3 * 2)
        #expect(Array(bytes[0...1]) == [224, 255])
        #expect(Array(bytes[257...258]) == [224, 255])
        #expect(Array(bytes[514...515]) == [224, 90])
    }
}
