import LeaseEngine
import LeaseLog
import PortLeaseWire
import Testing

/// A reload (`LeaseEngine.reconfigure`): what it may change is what the next exchange uses.
@Suite struct LeaseEngineReconfigureTests {
    static let newServerID = IPv4Address("192.0.2.9")!

    let harness: EngineHarness

    init() throws {
        harness = try EngineHarness(Fixtures.configuration([Fixtures.sharedPool()]))
        var pool = Fixtures.sharedPool()
        pool.validLifetime = 7200
        pool.options.domainName = "new.example"
        var configuration = Fixtures.configuration([pool])
        configuration.serverIdentifier = Self.newServerID
        configuration.offerLifetime = 5
        try harness.engine.reconfigure(configuration)
    }

    @Test func offersCarryTheNewServerIdentifierLeaseTimesAndOptions() throws {
        let client = TestClient(1)
        let reply = try #require(harness.send(client.message(.discover), from: client).reply)
        #expect(reply.option(.serverIdentifier) == Self.newServerID.bytes)
        #expect(reply.option(.leaseTime) == [0, 0, 0x1C, 0x20])  // 7200
        #expect(reply.option(.domainName) == Array("new.example".utf8))
    }

    @Test func selectingChecksTheNewServerIdentifier() throws {
        let chosen = TestClient(2)
        let offer = harness.send(chosen.message(.discover), from: chosen)
        let ack = harness.send(
            chosen.message(
                .request, requested: offer.yiaddr, serverIdentifier: Self.newServerID, portParams: offer.portParams),
            from: chosen)
        #expect(ack.outcome == .reply(.ack, afterCommit: true))
        #expect(ack.records.first?.lifetime == 7200)
        let other = TestClient(3)
        let second = harness.send(other.message(.discover), from: other)
        let old = harness.send(
            other.message(
                .request, requested: second.yiaddr, serverIdentifier: Fixtures.serverID,
                portParams: second.portParams),
            from: other)
        #expect(old.outcome == .dropped(.otherServerSelected))
    }

    @Test func offersLastTheNewOfferLifetime() throws {
        let client = TestClient(4)
        harness.send(client.message(.discover), from: client)
        harness.advance(seconds: 4)
        #expect(harness.engine.lease(of: client.key)?.kind == .offered)
        harness.advance(seconds: 2)
        #expect(harness.engine.lease(of: client.key) == nil)
    }
}
