import LeaseEngine
import PortLeaseServer
import PortLeaseWire
import Testing

@Suite struct ClassifierTests {
    let duid: [UInt8] = [0, 3, 0, 1, 2, 0, 0x5E, 0, 0, 1]
    let servers = [IPv6Address("2001:db8::1")!]

    func classify(_ bytes: [UInt8], shards: Int = 4) -> (Classifier.Decision, [UInt8], ServerCounters) {
        let classifier = Classifier(shardCount: shards, serverDUID: duid, serverAddresses: servers)
        let counters = ServerCounters()
        var out = [UInt8](repeating: 0, count: 1500)
        let (decision, written) = bytes.withUnsafeBytes { raw in
            out.withUnsafeMutableBytes { buffer in
                var writer = ByteWriter(buffer)
                let decision = classifier.classify(raw, source: IPv6Address("::1")!, reply: &writer, counters: counters)
                return (decision, Array(writer.written))
            }
        }
        return (decision, written, counters)
    }

    @Test func queriesGoToTheShardOfTheirClientKey() throws {
        var shards: Set<Int> = []
        for number in 0..<64 {
            let client = WireClient(number: number)
            let message = client.dhcpv4(.discover)
            let (decision, _, counters) = classify(client.datagram(message, relayed: number % 2 == 0))
            guard case .query(let route) = decision else {
                Issue.record("not routed: \(decision)")
                continue
            }
            let shard = route.shard
            #expect(route.lane == .starting, "a DISCOVER starts an exchange")
            let key = ClientKey(kind: .clientIdentifier, bytes: client.clientIdentifier)
            #expect(shard == Int(key.stableHash % 4), "the same client always lands on the same shard")
            #expect(counters.receivedByType().first { $0.0 == "dhcpv4-query" }?.1 == 1)
            shards.insert(shard)
        }
        #expect(shards.count == 4)
    }

    @Test func informationRequestIsAnsweredWithOption88() throws {
        let request = DHCPv6Message(
            type: .informationRequest, transactionID: 0xABCDEF,
            options: [
                .init(.clientIdentifier, [0, 3, 0, 1, 2, 0, 0, 0, 0, 9]), .init(.optionRequest, [0, 88, 0, 88]),
            ])
        let (decision, written, counters) = classify(request.encoded())
        #expect(decision == .answered)
        #expect(counters.informationReplies.load(ordering: .relaxed) == 1)
        try written.withUnsafeBytes { raw in
            let reply = try DHCPv6MessageView(parsing: raw)
            #expect(reply.type == .reply)
            #expect(reply.transactionID == 0xABCDEF)
            #expect(reply.options.first(.serverIdentifier).map(Array.init) == duid)
            #expect(reply.options.first(.clientIdentifier).map(Array.init) == [0, 3, 0, 1, 2, 0, 0, 0, 0, 9])
            let list = try DHCP4o6ServerAddresses(
                validating: try #require(reply.options.first(.dhcp4o6ServerAddresses)))
            #expect(Array(list) == servers)
        }
    }

    @Test func relayedInformationRequestIsAnsweredThroughTheRelay() throws {
        let request = DHCPv6Message(
            type: .informationRequest, transactionID: 7, options: [.init(.optionRequest, [0, 88])])
        let relayed = RelayMessage(
            type: .relayForward, hopCount: 0, linkAddress: IPv6Address("2001:db8:1::1")!,
            peerAddress: IPv6Address("fe80::1")!,
            options: [.init(.interfaceID, [1, 2, 3]), .init(.relayMessage, request.encoded())])
        let (decision, written, _) = classify(relayed.encoded())
        #expect(decision == .answered)
        try written.withUnsafeBytes { raw in
            let packet = try DHCPv6Packet(parsing: raw)
            #expect(packet.relays.depth == 1)
            #expect(packet.relays[0].type == .relayReply)
            #expect(packet.relays[0].interfaceID.map(Array.init) == [1, 2, 3])
            #expect(packet.message.type == .reply)
        }
    }

    @Test func informationRequestForAnotherServerIsDropped() {
        let request = DHCPv6Message(
            type: .informationRequest, transactionID: 7,
            options: [.init(.serverIdentifier, [0, 3, 0, 1, 9, 9, 9, 9, 9, 9])])
        let (decision, written, counters) = classify(request.encoded())
        #expect(decision == .dropped(.otherServer))
        #expect(written.isEmpty)
        #expect(counters.drops(.otherServer) == 1)
    }

    @Test func malformedAndUnsupportedDatagramsAreDroppedByReason() {
        let (garbage, _, counters1) = classify([0x14, 0, 0])
        #expect(garbage == .dropped(.malformedDHCPv6))
        #expect(counters1.drops(.malformedDHCPv6) == 1)
        let noOption87 = DHCPv6Message(type: .dhcpv4Query, transactionID: 0, options: []).encoded()
        #expect(classify(noOption87).0 == .dropped(.malformedDHCPv6))
        let badDHCPv4 = DHCPv6Message(
            type: .dhcpv4Query, transactionID: 0, options: [.init(.dhcpv4Message, [1, 2, 3])])
        #expect(classify(badDHCPv4.encoded()).0 == .dropped(.malformedDHCPv4))
        let solicit = DHCPv6Message(type: .solicit, transactionID: 1, options: []).encoded()
        let (decision, _, counters) = classify(solicit)
        #expect(decision == .dropped(.unsupportedMessageType))
        #expect(counters.receivedByType().first { $0.0 == "solicit" }?.1 == 1)
    }
}
