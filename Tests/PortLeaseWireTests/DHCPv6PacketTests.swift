import Testing

@testable import PortLeaseWire

@Suite struct DHCPv6PacketTests {
    @Test func directQueryHasNoRelays() throws {
        let packet = try parse(Vectors.query) { raw throws(WireError) in
            let packet = try DHCPv6Packet(parsing: raw)
            return (packet.relays.depth, packet.message.type, packet.message.bytes.count)
        }.get()
        #expect(packet.0 == 0)
        #expect(packet.1 == .dhcpv4Query)
        #expect(packet.2 == Vectors.query.count)
    }

    @Test func twoLevelRelayChainIsUnwrapped() throws {
        try Vectors.twoLevelRelay.withUnsafeBytes { raw in
            let packet = try DHCPv6Packet(parsing: raw)
            #expect(packet.relays.depth == 2)
            let outer = packet.relays[0]
            let inner = packet.relays[1]
            #expect(outer.type == .relayForward)
            #expect(outer.hopCount == 1)
            #expect(outer.linkAddress == Vectors.outerLink)
            #expect(outer.peerAddress == Vectors.outerPeer)
            #expect(outer.interfaceID.map(Array.init) == ascii("ae1"))
            #expect(outer.remoteID == nil)
            #expect(outer.relaySourcePort == nil)
            #expect(inner.hopCount == 0)
            #expect(inner.linkAddress == Vectors.innerLink)
            #expect(inner.peerAddress == Vectors.clientAddress)
            #expect(inner.interfaceID.map(Array.init) == ascii("ge-0/0/1"))
            #expect(inner.remoteIDEnterpriseNumber == 3561)
            #expect(inner.remoteID.map(Array.init) == hex("00 00 0d e9") + ascii("cpe-42"))
            #expect(inner.subscriberID.map(Array.init) == ascii("sub-7"))
            #expect(inner.relaySourcePort == 546)
            #expect(packet.relays.outermost?.hopCount == 1)
            #expect(packet.relays.innermost?.peerAddress == Vectors.clientAddress)
            #expect(packet.message.type == .dhcpv4Query)
            #expect(Array(packet.message.bytes) == Vectors.query)
        }
    }

    @Test func eightLevelsAreAcceptedAndNineAreNot() throws {
        func chain(_ depth: Int) -> [UInt8] {
            var message = Vectors.query
            for level in 0..<depth {
                message =
                    hex("0c") + [UInt8(level)] + Vectors.innerLink.bytes + Vectors.clientAddress.bytes
                    + hex("00 09") + be16(message.count) + message
            }
            return message
        }
        let eight = try parse(chain(8)) { raw throws(WireError) in try DHCPv6Packet(parsing: raw).relays.depth }.get()
        #expect(eight == RelayChain.maximumDepth)
        #expect(
            parseError(chain(9)) { raw throws(WireError) in try DHCPv6Packet(parsing: raw) }
                == .relayChainTooDeep(limit: 8))
    }

    /// The chain rebuilds levels from what their parse found; a level longer than
    /// 65,535 bytes (not from a UDP datagram) is parsed again instead. Either way a
    /// level reads exactly as a fresh parse of its bytes.
    @Test func chainLevelsReadAsAFreshParse() throws {
        let padding = hex("ff 00") + be16(40_000) + [UInt8](repeating: 7, count: 40_000)
        var outer = hex("0c 02") + Vectors.outerLink.bytes + Vectors.outerPeer.bytes + padding + padding
        outer += hex("00 12 00 02") + ascii("xe") + hex("00 09") + be16(Vectors.twoLevelRelay.count)
        outer += Vectors.twoLevelRelay
        for datagram in [Vectors.twoLevelRelay, outer] {
            try datagram.withUnsafeBytes { raw in
                let packet = try DHCPv6Packet(parsing: raw)
                for index in 0..<packet.relays.depth {
                    let level = packet.relays[index]
                    let fresh = try RelayMessageView(parsing: level.bytes)
                    #expect(level.bytes.baseAddress == fresh.bytes.baseAddress)
                    #expect(level.bytes.count == fresh.bytes.count)
                    #expect(level.type == fresh.type && level.hopCount == fresh.hopCount)
                    #expect(level.linkAddress == fresh.linkAddress && level.peerAddress == fresh.peerAddress)
                    #expect(Array(level.options.bytes) == Array(fresh.options.bytes))
                    #expect(level.relayedMessage.baseAddress == fresh.relayedMessage.baseAddress)
                    #expect(level.relayedMessage.count == fresh.relayedMessage.count)
                    #expect(level.interfaceID.map(Array.init) == fresh.interfaceID.map(Array.init))
                    #expect(level.remoteID.map(Array.init) == fresh.remoteID.map(Array.init))
                    #expect(level.subscriberID.map(Array.init) == fresh.subscriberID.map(Array.init))
                    #expect(level.relaySourcePort == fresh.relaySourcePort)
                    let interfaceID = packet.relays.interfaceID(ofLevel: index)
                    #expect(interfaceID.map(Array.init) == fresh.interfaceID.map(Array.init))
                }
                let innermost = try #require(packet.relays.innermost)
                let identity = try #require(packet.relays.innermostIdentity)
                #expect(identity.linkAddress == innermost.linkAddress)
                #expect(identity.peerAddress == innermost.peerAddress)
                #expect(identity.interfaceID.map(Array.init) == innermost.interfaceID.map(Array.init))
                #expect(identity.remoteID.map(Array.init) == innermost.remoteID.map(Array.init))
                #expect(identity.subscriberID.map(Array.init) == innermost.subscriberID.map(Array.init))
            }
        }
        let direct = try parse(Vectors.query) { raw throws(WireError) in
            try DHCPv6Packet(parsing: raw).relays.innermostIdentity == nil
        }.get()
        #expect(direct)
        try outer.withUnsafeBytes { raw in
            let packet = try DHCPv6Packet(parsing: raw)
            #expect(packet.relays.depth == 3)
            #expect(packet.relays[0].bytes.count > Int(UInt16.max))
            #expect(packet.relays[0].interfaceID.map(Array.init) == ascii("xe"))
            #expect(packet.relays.innermost?.subscriberID.map(Array.init) == ascii("sub-7"))
        }
    }

    @Test func mixedRelayTypesAreRejected() {
        let reply = Vectors.twoLevelRelay.enumerated().map { $0.offset == 0 ? 0x0D : $0.element }
        #expect(
            parseError(reply) { raw throws(WireError) in try DHCPv6Packet(parsing: raw) }
                == .unexpectedMessageType(layer: .relay, type: 12))
    }

    @Test func emptyDatagramIsTruncated() {
        #expect(
            parseError([]) { raw throws(WireError) in try DHCPv6Packet(parsing: raw) }
                == .truncatedHeader(layer: .dhcpv6, needed: 4, available: 0))
    }
}
