import LeaseEngine
import LeaseLog
import PortLeaseWire
import Testing

@testable import PortLeaseServer

/// The worker's per-query wire step: the engine writes its reply in place, inside the
/// Relay-reply headers, in the memory the reply is sent from.
@Suite struct QueuedQueryTests {
    let now: Int64 = 1_800_000_000_000

    func withQuery<R>(_ datagram: [UInt8], _ body: (QueuedQuery) throws -> R) throws -> R {
        try datagram.withUnsafeBytes { try body(try #require(QueuedQuery($0))) }
    }

    @Test func aReplyWrittenInPlaceEqualsOneWrittenAsideAndWrapped() throws {
        let client = WireClient(number: 3)
        let datagram = client.datagram(client.dhcpv4(.discover), relayed: true)
        let inPlace = try LeaseEngine.makeShards(ServerFixtures.engineConfiguration(), count: 1)[0]
        let aside = try LeaseEngine.makeShards(ServerFixtures.engineConfiguration(), count: 1)[0]
        var records: [LeaseRecord] = []
        var target = [UInt8](repeating: 0, count: 2048)
        var scratch = [UInt8](repeating: 0, count: 2048)
        var wrapped = [UInt8](repeating: 0, count: 2048)
        try withQuery(datagram) { query in
            let (outcome, answered) = target.withUnsafeMutableBytes {
                query.answer(
                    with: inPlace, source: client.address, interface: nil, now: now, records: &records, into: $0)
            }
            guard case .reply(_, let afterCommit) = outcome else {
                Issue.record("no reply: \(outcome)")
                return
            }
            #expect(!afterCommit, "an OFFER leaves at once")
            // The two-step way: the DHCPv4 message into a scratch buffer, then wrapped (a copy).
            let written = scratch.withUnsafeMutableBytes { buffer in
                var writer = ByteWriter(buffer)
                _ = aside.handle(
                    query.engineQuery(source: client.address, interface: nil), now: now, reply: &writer,
                    records: &records)
                return writer.position
            }
            let wrappedLength = scratch.withUnsafeBytes { dhcpv4 in
                wrapped.withUnsafeMutableBytes {
                    query.writeResponse(UnsafeRawBufferPointer(rebasing: dhcpv4[0..<written]), into: $0)
                }
            }
            let length = try #require(answered)
            #expect(length == wrappedLength)
            #expect(target[0..<length] == wrapped[0..<length])
            let reply = try decodeReply(Array(target[0..<length]))
            #expect(reply.message.messageType == .offer)
            #expect(reply.relayDepth == 1)
        }
    }

    @Test func theEngineDecidesEvenWhenTheRelayHeadersDoNotFit() throws {
        let client = WireClient(number: 4)
        let engine = try LeaseEngine.makeShards(ServerFixtures.engineConfiguration(), count: 1)[0]
        var records: [LeaseRecord] = []
        var big = [UInt8](repeating: 0, count: 2048)
        // Bind a lease first, then release it with room for nothing but a DHCPv4 scratch.
        let offer = try withQuery(client.datagram(client.dhcpv4(.discover), relayed: true)) { query in
            let (_, length) = big.withUnsafeMutableBytes {
                query.answer(
                    with: engine, source: client.address, interface: nil, now: now, records: &records, into: $0)
            }
            return try decodeReply(Array(big[0..<(try #require(length))])).message
        }
        try withQuery(
            client.datagram(
                client.dhcpv4(
                    .request, requested: offer.header.yiaddr, serverIdentifier: ServerFixtures.serverID,
                    portParams: offer.option(.portParams)), relayed: true)
        ) { query in
            _ = big.withUnsafeMutableBytes {
                query.answer(
                    with: engine, source: client.address, interface: nil, now: now, records: &records, into: $0)
            }
        }
        #expect(records.last?.event == .bind)
        var tiny = [UInt8](repeating: 0, count: 300)  // under one relay level's header and options
        let release = client.dhcpv4(
            .release, serverIdentifier: ServerFixtures.serverID, ciaddr: offer.header.yiaddr,
            portParams: offer.option(.portParams))
        try withQuery(client.datagram(release, relayed: true)) { query in
            let (outcome, length) = tiny.withUnsafeMutableBytes {
                query.answer(
                    with: engine, source: client.address, interface: nil, now: now + 1, records: &records,
                    into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<20]))
            }
            #expect(length == nil, "\(outcome)")
            guard case .reply = outcome else { return }
            Issue.record("a RELEASE has no reply")
        }
        #expect(records.last?.event == .release, "the RELEASE was decided and logged")
    }
}
