import Testing

@testable import PortLeaseWire

@Suite struct ByteWriterDHCPv6Tests {
    static let offeredPortSet = try! PortParams(offset: 6, psidLength: 6, psid: 0x29)

    /// Writes the OFFER of `Vectors.offer` field by field, as the engine will.
    static func writeOffer(_ writer: inout ByteWriter) throws(WireError) {
        let header = DHCPv4Header(
            op: DHCPv4Header.bootReply, xid: 0x1234_5678, yiaddr: Vectors.offeredAddress,
            chaddr: ClientHardwareAddress(bytes: Vectors.clientMAC))
        try writer.writeDHCPv4Header(header)
        try writer.writeDHCPv4Option(.messageType, DHCPv4MessageType.offer.rawValue)
        try writer.writeDHCPv4Option(.serverIdentifier, Vectors.serverIdentifier)
        try writer.writeDHCPv4Option(.leaseTime, UInt32(3600))
        try writer.writeDHCPv4Option(.renewalTime, UInt32(1800))
        try writer.writeDHCPv4Option(.rebindingTime, UInt32(3150))
        try writer.writeDHCPv4Option(.subnetMask, IPv4Address(255, 255, 255, 0))
        try writer.writeDHCPv4Option(.routers, addresses: [IPv4Address(198, 51, 100, 1)])
        try writer.writeDHCPv4Option(
            .domainNameServers, addresses: [IPv4Address(192, 0, 2, 53), IPv4Address(192, 0, 2, 54)])
        try writer.writeDHCPv4Option(.domainName, bytes: ascii("example.net"))
        try writer.writeDHCPv4Option(.interfaceMTU, UInt16(1500))
        try offeredPortSet.write(to: &writer)
        try writer.writeDHCPv4End()
    }

    @Test func offerIsByteExact() throws {
        let bytes = try encode { writer throws(WireError) in try Self.writeOffer(&writer) }
        #expect(bytes == Vectors.offer)
    }

    @Test func responseIsByteExactWithZeroFlags() throws {
        let bytes = try encode { writer throws(WireError) in
            try writer.writeDHCPv4Response { inner throws(WireError) in try Self.writeOffer(&inner) }
        }
        #expect(bytes == Vectors.response)
        #expect(bytes[1...3] == [0, 0, 0])
    }

    @Test func relayReplyChainMirrorsTheQueryAndEchoesInterfaceIDs() throws {
        let bytes = try Vectors.twoLevelRelay.withUnsafeBytes { raw in
            let packet = try DHCPv6Packet(parsing: raw)
            return try encode { writer throws(WireError) in
                try writer.writeRelayReplies(mirroring: packet.relays) { inner throws(WireError) in
                    try inner.writeDHCPv4Response { dhcp throws(WireError) in try Self.writeOffer(&dhcp) }
                }
            }
        }
        #expect(bytes == Vectors.twoLevelReply)
        // And it parses back as a Relay-reply chain with the same identity.
        try bytes.withUnsafeBytes { raw in
            let reply = try DHCPv6Packet(parsing: raw)
            #expect(reply.relays.depth == 2)
            #expect(reply.relays[0].type == .relayReply)
            #expect(reply.relays[1].interfaceID.map(Array.init) == ascii("ge-0/0/1"))
            let response = try DHCPv4QueryView(reply.message, type: .dhcpv4Response)
            #expect(Array(response.dhcpv4Message) == Vectors.offer)
        }
    }

    @Test func emptyChainWritesOnlyTheBody() throws {
        let bytes = try encode { writer throws(WireError) in
            try writer.writeRelayReplies(mirroring: RelayChain()) { inner throws(WireError) in
                try inner.writeDHCPv4Response { dhcp throws(WireError) in try Self.writeOffer(&dhcp) }
            }
        }
        #expect(bytes == Vectors.response)
    }

    @Test func informationReplyIsByteExact() throws {
        let bytes = try Vectors.informationRequest.withUnsafeBytes { raw in
            let request = try InformationRequestView(DHCPv6MessageView(parsing: raw))
            return try Vectors.serverDUID.withUnsafeBytes { duid in
                try encode { writer throws(WireError) in
                    try writer.writeInformationReply(
                        transactionID: request.message.transactionID, serverDUID: duid,
                        clientIdentifier: request.clientIdentifier,
                        serverAddresses: [Vectors.server1, Vectors.server2])
                }
            }
        }
        #expect(bytes == Vectors.informationReply)
    }

    @Test func queryCarriesTheUnicastFlag() throws {
        let bytes = try encode { writer throws(WireError) in
            try writer.writeDHCPv4Query(flags: DHCPv4QueryView.unicastFlag) { dhcp throws(WireError) in
                try dhcp.write(bytes: Vectors.discover)
            }
        }
        #expect(bytes == hex("14 80 00 00 00 57") + be16(Vectors.discover.count) + Vectors.discover)
    }

    @Test func emptyServerListIsAnEmptyOption() throws {
        let bytes = try encode { writer throws(WireError) in try writer.writeDHCP4o6ServerAddresses([IPv6Address]()) }
        #expect(bytes == hex("00 58 00 00"))
    }

    @Test func writingPastTheBufferThrowsAndStops() throws {
        var storage = [UInt8](repeating: 0, count: 100)
        let error = storage.withUnsafeMutableBytes { raw -> WireError? in
            var writer = ByteWriter(raw)
            do throws(WireError) {
                try writer.writeDHCPv4Response { dhcp throws(WireError) in try Self.writeOffer(&dhcp) }
                return nil
            } catch {
                #expect(writer.position <= 100)
                return error
            }
        }
        #expect(error == .bufferTooSmall(needed: 4 + 4 + 240, available: 100))
    }
}
