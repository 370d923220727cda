import Dispatch
import LeaseEngine
import LeaseLog
import PortLeaseWire
import Testing

/// RFC 7618 section 10's limit across shards, and a client that moves to another subscriber.
@Suite struct LeaseEngineSubscriberTests {
    /// One engine per shard, confined to the thread that drives it.
    final class Confined: @unchecked Sendable {
        let harness: EngineHarness
        var acks = 0

        init(_ harness: EngineHarness) {
            self.harness = harness
        }
    }

    static let remoteID = Array("subscriber-7".utf8)

    @Test(arguments: [1, 2, 4])
    func oneSubscribersClientsOnEveryShardShareOneLimit(shards: Int) throws {
        let configuration = Fixtures.configuration(
            [Fixtures.sharedPool("map", "198.51.100.1", "198.51.100.16")], limit: 4, subscriberKey: .remoteID)
        let engines = try LeaseEngine.makeShards(configuration, count: shards)
        let confined = engines.map { Confined(EngineHarness(engine: $0)) }
        // Every shard asks for 7 leases for the same Remote-ID at once, as the
        // workers of a server would; the limit is for all of them together.
        DispatchQueue.concurrentPerform(iterations: shards) { index in
            let shard = confined[index]
            for number in 0..<7 {
                let relay = TestRelay(remoteID: Self.remoteID)
                if shard.harness.dora(TestClient(index * 1000 + number), relay: relay).replyType == .ack {
                    shard.acks += 1
                }
            }
        }
        #expect(confined.reduce(0) { $0 + $1.acks } == 4)
        #expect(engines.reduce(0) { $0 + $1.counters.dropped(.subscriberLimit) } == 7 * shards - 4)
        #expect(engines[0].subscribers.subscriberCount == 1)
    }

    @Test func aReleaseOnOneShardMakesRoomOnAnother() throws {
        let configuration = Fixtures.configuration([Fixtures.sharedPool()], limit: 1, subscriberKey: .remoteID)
        let engines = try LeaseEngine.makeShards(configuration, count: 2)
        let (first, second) = (EngineHarness(engine: engines[0]), EngineHarness(engine: engines[1]))
        let relay = TestRelay(remoteID: Self.remoteID)
        let ack = first.dora(TestClient(1), relay: relay)
        #expect(ack.replyType == .ack)
        #expect(second.dora(TestClient(2), relay: relay).outcome == .dropped(.subscriberLimit))
        first.send(
            TestClient(1).message(.release, ciaddr: ack.yiaddr!, portParams: ack.portParams), from: TestClient(1),
            relay: relay)
        #expect(second.dora(TestClient(2), relay: relay).replyType == .ack)
    }

    @Test func aMovedClientsLeaseCountsAgainstItsNewSubscriber() throws {
        let harness = try EngineHarness(
            Fixtures.configuration([Fixtures.sharedPool()], limit: 2, subscriberKey: .remoteID))
        let old = TestRelay(remoteID: Array("site-a".utf8))
        let new = TestRelay(remoteID: Array("site-b".utf8))
        let client = TestClient(1)
        let ack = harness.dora(client, relay: old)
        #expect(ack.replyType == .ack)
        let oldQuery = harness.dora(TestClient(2), relay: old)
        #expect(oldQuery.replyType == .ack)
        // The CPE now sits behind site B and renews (REBINDING: it reached us anew).
        let renewal = harness.send(
            client.message(.request, ciaddr: ack.yiaddr!, portParams: ack.portParams), from: client, relay: new)
        #expect(renewal.replyType == .ack)
        #expect(harness.engine.counters.subscriberMoves == 1)
        // Site A has one place again; site B holds one.
        #expect(harness.dora(TestClient(3), relay: old).replyType == .ack)
        #expect(harness.dora(TestClient(4), relay: new).replyType == .ack)
        #expect(harness.dora(TestClient(5), relay: new).outcome == .dropped(.subscriberLimit))
        // Still one binding for the moved client, the same one.
        #expect(harness.engine.lease(of: client.key)?.binding.address == ack.yiaddr)
        #expect(harness.engine.currentBindings().count == 4)
    }

    @Test func aClientMovedToAFullSubscriberLosesItsLease() throws {
        let harness = try EngineHarness(
            Fixtures.configuration([Fixtures.sharedPool()], limit: 1, subscriberKey: .remoteID))
        let old = TestRelay(remoteID: Array("site-a".utf8))
        let new = TestRelay(remoteID: Array("site-b".utf8))
        let moved = TestClient(1)
        let ack = harness.dora(moved, relay: old)
        #expect(harness.dora(TestClient(2), relay: new).replyType == .ack)
        let renewal = harness.send(
            moved.message(.request, ciaddr: ack.yiaddr!, portParams: ack.portParams), from: moved, relay: new)
        #expect(renewal.replyType == .nak)
        #expect(renewal.records.map(\.event) == [.release])
        #expect(harness.engine.lease(of: moved.key) == nil)
        #expect(harness.engine.counters.subscriberMovesRefused == 1)
        // Its DISCOVER meets site B's limit; site A's place is free again.
        #expect(harness.send(moved.message(.discover), from: moved, relay: new).outcome == .dropped(.subscriberLimit))
        #expect(harness.dora(TestClient(3), relay: old).replyType == .ack)
    }

    @Test func aMovedClientsDiscoverEndsItsLeaseWhenTheNewSubscriberIsFull() throws {
        let harness = try EngineHarness(
            Fixtures.configuration([Fixtures.sharedPool()], limit: 1, subscriberKey: .clientPrefix(length: 56)))
        let moved = TestClient(1)
        let ack = harness.dora(moved)
        #expect(ack.replyType == .ack)
        // Client 11 lives in the next /56 and holds that site's one place.
        #expect(harness.dora(TestClient(11)).replyType == .ack)
        // The same CPE (its client identifier) now sends from client 12's address, in that /56.
        let discover = harness.send(moved.message(.discover), from: TestClient(12))
        #expect(discover.outcome == .dropped(.subscriberLimit))
        #expect(discover.records.map(\.event) == [.release])
        #expect(harness.engine.lease(of: moved.key) == nil)
        #expect(harness.engine.currentBindings().count == 1)
    }

    @Test func replayedLeasesCountAgainstTheSubscriberIDTheirRecordsCarry() throws {
        let configuration = Fixtures.configuration([Fixtures.sharedPool()], limit: 1, subscriberKey: .subscriberID)
        let first = try EngineHarness(configuration)
        let relay = TestRelay(subscriberID: Array("line-42".utf8))
        #expect(first.dora(TestClient(1), relay: relay).replyType == .ack)
        #expect(first.allRecords.map(\.relay.subscriberID) == [Array("line-42".utf8)])
        let restarted = try EngineHarness(configuration)
        for record in first.allRecords { restarted.engine.replay(record) }
        #expect(restarted.engine.subscribers.subscriberCount == 1)
        // The limit holds from the restart on: another client of line-42 is refused at once.
        #expect(restarted.dora(TestClient(2), relay: relay).outcome == .dropped(.subscriberLimit))
    }

    @Test func leasesReplayedFromRecordsWithoutASubscriberIDCountOnceTheirClientsComeBack() throws {
        // A log written before records carried the Subscriber-ID: its leases count against
        // no one until their client's next query shows it.
        let configuration = Fixtures.configuration([Fixtures.sharedPool()], limit: 1, subscriberKey: .subscriberID)
        let first = try EngineHarness(configuration)
        let relay = TestRelay(subscriberID: Array("line-42".utf8))
        let ack = first.dora(TestClient(1), relay: relay)
        #expect(ack.replyType == .ack)
        let restarted = try EngineHarness(configuration)
        for var record in first.allRecords {
            record.relay.subscriberID = nil
            restarted.engine.replay(record)
        }
        #expect(restarted.engine.subscribers.subscriberCount == 0)
        let renewal = restarted.send(
            TestClient(1).message(.request, ciaddr: ack.yiaddr!, portParams: ack.portParams), from: TestClient(1),
            unicast: true, relay: relay)
        #expect(renewal.replyType == .ack)
        #expect(restarted.engine.subscribers.subscriberCount == 1)
        #expect(restarted.dora(TestClient(2), relay: relay).outcome == .dropped(.subscriberLimit))
    }
}
