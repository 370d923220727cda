import LeaseEngine
import LeaseLog
import PortLeaseWire
import Testing

/// Which pools serve a client: matched pools for the clients they fit, catch-all
/// pools for everyone else, fallback pools only when opted in (Config/README.md,
/// "Which pool serves a client").
@Suite struct LeaseEnginePoolPrecedenceTests {
    static let lw4o6Link = IPv6Address("2001:db8:10::1")!
    static let otherLink = IPv6Address("2001:db8:20::1")!

    /// An lw4o6 pool (offset 0) on its relay's link with two addresses of 4 port sets,
    /// and a MAP catch-all pool (offset 6).
    static func pools(lw4o6First: Bool, fallback: Bool = false) -> [PoolPolicy] {
        let lw4o6 = PoolPolicy(
            name: "lw4o6",
            kind: .shared(.init(psidOffset: 0, defaultPSIDLength: 2, reservedPorts: [])),
            addressRanges: [Fixtures.range("192.0.2.10", "192.0.2.11")],
            match: .init(linkPrefixes: [IPv6Prefix(address: lw4o6Link, length: 48)!]))
        var map = Fixtures.sharedPool("map", "198.51.100.1", "198.51.100.4")
        map.fallback = fallback
        return lw4o6First ? [lw4o6, map] : [map, lw4o6]
    }

    static func relay(_ link: IPv6Address) -> TestRelay { TestRelay(linkAddress: link) }

    @Test(arguments: [true, false])
    func aMatchedClientIsServedOnlyByItsPoolInEitherOrder(lw4o6First: Bool) throws {
        let harness = try EngineHarness(Fixtures.configuration(Self.pools(lw4o6First: lw4o6First)))
        let lw4o6 = lw4o6First ? 0 : 1
        for number in 0..<8 {
            let ack = harness.dora(TestClient(number), relay: Self.relay(Self.lw4o6Link))
            #expect(ack.replyType == .ack)
            #expect(ack.portParams?.offset == 0)
            #expect(harness.engine.lease(of: TestClient(number).key)?.binding.pool == UInt8(lw4o6))
        }
        // Its 8 port sets are used: the next client on that link gets nothing, and
        // the refusal is counted against the lw4o6 pool alone.
        let refused = harness.dora(TestClient(8), relay: Self.relay(Self.lw4o6Link))
        #expect(refused.outcome == .dropped(.poolsExhausted))
        #expect(harness.engine.counters.poolsExhausted[lw4o6] == 1)
        #expect(harness.engine.counters.poolsExhausted[1 - lw4o6] == 0)
        // A client elsewhere is served by the catch-all MAP pool, which has room.
        let elsewhere = harness.dora(TestClient(9), relay: Self.relay(Self.otherLink))
        #expect(elsewhere.replyType == .ack)
        #expect(elsewhere.portParams?.offset == 6)
    }

    @Test func aFallbackPoolServesMatchedClientsOnlyOnceTheirPoolsAreFull() throws {
        // The fallback is written first, and still comes after the client's own pool.
        let harness = try EngineHarness(Fixtures.configuration(Self.pools(lw4o6First: false, fallback: true)))
        for number in 0..<8 {
            #expect(harness.dora(TestClient(number), relay: Self.relay(Self.lw4o6Link)).portParams?.offset == 0)
        }
        let overflow = harness.dora(TestClient(8), relay: Self.relay(Self.lw4o6Link))
        #expect(overflow.replyType == .ack)
        #expect(overflow.portParams?.offset == 6)
        #expect(harness.engine.counters.poolsExhausted.allSatisfy { $0 == 0 })
    }

    @Test func aCatchAllLeaseEndsOnceAMatchedPoolFitsTheClient() throws {
        // The client leased from the catch-all while the lw4o6 pool matched another
        // link; then the operator points the lw4o6 pool at the client's link.
        var pools = Self.pools(lw4o6First: true)
        pools[0].match = .init(linkPrefixes: [IPv6Prefix("2001:db8:99::/48")!])
        let harness = try EngineHarness(Fixtures.configuration(pools))
        let client = TestClient(1)
        let relay = Self.relay(Self.lw4o6Link)
        let ack = harness.dora(client, relay: relay)
        #expect(ack.portParams?.offset == 6)
        try harness.engine.reconfigure(Fixtures.configuration(Self.pools(lw4o6First: true)))
        let renewal = harness.send(
            client.message(.request, ciaddr: ack.yiaddr!, portParams: ack.portParams), from: client, unicast: true,
            relay: relay)
        #expect(renewal.replyType == .nak)
        let offer = harness.send(client.message(.discover), from: client, relay: relay)
        #expect(offer.records.map(\.event) == [.release])
        #expect(offer.portParams?.offset == 0)
    }

    @Test func aClientNoPoolServesIsDroppedWithTheReason() throws {
        let lw4o6Only = [Self.pools(lw4o6First: true)[0]]
        let harness = try EngineHarness(Fixtures.configuration(lw4o6Only))
        #expect(
            harness.send(TestClient(1).message(.discover), from: TestClient(1), relay: Self.relay(Self.otherLink))
                .outcome == .dropped(.noPoolForClient))
        let no159 = TestClient(2, wantsPortParams: false)
        #expect(
            harness.send(no159.message(.discover), from: no159, relay: Self.relay(Self.lw4o6Link)).outcome
                == .dropped(.sharedPoolsOnly))
    }
}
