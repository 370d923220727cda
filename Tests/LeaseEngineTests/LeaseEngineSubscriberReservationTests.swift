import LeaseEngine
import LeaseLog
import PortLeaseWire
import PortSetPool
import Testing

/// Reservations by subscriber key: any client behind the key gets the tuple, the one that asks
/// last takes it over from the one before (a replaced CPE), across shards too, and no one
/// outside the key ever gets it.
@Suite struct LeaseEngineSubscriberReservationTests {
    static let address = IPv4Address(198, 51, 100, 1)
    static let line = [0, 0, 0x0D, 0xE9] + Array("line-7".utf8)
    static let relay = TestRelay(remoteID: line)

    static func configuration(_ owner: Reservation.Owner) -> EngineConfiguration {
        var configuration = Fixtures.configuration([Fixtures.sharedPool("map", "198.51.100.1", "198.51.100.1")])
        configuration.reservations = [Reservation(owner: owner, address: address, psid: 37, psidLength: 6)]
        return configuration
    }

    static func isReserved(_ exchange: Exchange) -> Bool {
        exchange.granted.map { $0.address == address && $0.psid == 37 && $0.psidLength == 6 } ?? false
    }

    /// `count` engines over one set of pools, sharing the subscriber ledger and the holders.
    static func shards(_ owner: Reservation.Owner, count: Int) throws -> [EngineHarness] {
        try LeaseEngine.makeShards(configuration(owner), count: count).map(EngineHarness.init(engine:))
    }

    /// A client number whose key lands on `shard` of 2.
    static func client(onShard shard: Int, from start: Int) -> TestClient {
        var number = start
        while Int(TestClient(number).key.stableHash % 2) != shard { number += 1 }
        return TestClient(number)
    }

    @Test func theLinesClientGetsItAndNoOtherLineEverDoesEvenWhenThePoolIsFull() throws {
        let harness = try EngineHarness(Self.configuration(.remoteID(Self.line)))
        var leased = 0
        for number in 1...70 {
            let other = TestRelay(remoteID: [0, 0, 0x0D, 0xE9] + Array("line-\(number + 100)".utf8))
            let exchange = harness.dora(TestClient(number), relay: other)
            #expect(!Self.isReserved(exchange), "client \(number) of another line got the reserved port set")
            if exchange.replyType == .ack { leased += 1 }
        }
        #expect(leased == 63)
        // Without relay options, or with another option carrying the same bytes, no match.
        #expect(!Self.isReserved(harness.dora(TestClient(80), relay: nil)))
        #expect(!Self.isReserved(harness.dora(TestClient(81), relay: TestRelay(subscriberID: Self.line))))
        let ack = harness.dora(TestClient(90), relay: Self.relay)
        #expect(ack.replyType == .ack && Self.isReserved(ack))
        #expect(
            harness.engine.holders.holder(of: harness.engine.lease(of: TestClient(90).key)!.binding)
                == TestClient(90).key)
    }

    @Test func aUnicastRenewalWithoutTheRelaysOptionsKeepsIt() throws {
        let harness = try EngineHarness(Self.configuration(.remoteID(Self.line)))
        let client = TestClient(1)
        let ack = harness.dora(client, relay: Self.relay)
        #expect(Self.isReserved(ack))
        let renewal = harness.send(
            client.message(.request, ciaddr: Self.address, portParams: ack.portParams), from: client, unicast: true,
            relay: nil)
        #expect(renewal.replyType == .ack && Self.isReserved(renewal))
        #expect(renewal.records.map(\.event) == [.renew])
    }

    @Test func aReplacedCPEOnTheSameShardTakesItOverAndTheOldOneIsNAKed() throws {
        let harness = try EngineHarness(Self.configuration(.remoteID(Self.line)))
        let old = TestClient(1)
        let first = harness.dora(old, relay: Self.relay)
        #expect(Self.isReserved(first))
        let new = TestClient(2)
        let offer = harness.send(new.message(.discover), from: new, relay: Self.relay)
        #expect(offer.replyType == .offer && Self.isReserved(offer))
        // The old CPE's lease ended, with a record that says the server ended it.
        #expect(offer.records.map(\.event) == [.forcedRelease] && offer.records.first?.clientKey == old.key)
        #expect(harness.engine.lease(of: old.key) == nil)
        let ack = harness.dora(new, relay: Self.relay)
        #expect(Self.isReserved(ack))
        let renewal = harness.send(
            old.message(.request, ciaddr: Self.address, portParams: first.portParams), from: old, unicast: true,
            relay: Self.relay)
        #expect(renewal.replyType == .nak)
    }

    @Test func aTakeOverAcrossShardsWaitsForTheHoldersShardToEndIt() throws {
        let shards = try Self.shards(.remoteID(Self.line), count: 2)
        let old = Self.client(onShard: 0, from: 1)
        let new = Self.client(onShard: 1, from: 1)
        #expect(Self.isReserved(shards[0].dora(old, relay: Self.relay)))
        let binding = shards[0].engine.lease(of: old.key)!.binding
        // Shard 1 cannot end shard 0's lease: it asks, once, and does not answer.
        let first = shards[1].send(new.message(.discover), from: new, relay: Self.relay)
        #expect(first.outcome == .dropped(.reservationHandover))
        let asked = shards[1].engine.takeHandovers()
        #expect(asked.count == 1 && asked.first?.binding == binding && asked.first?.holder == old.key)
        let again = shards[1].send(new.message(.discover), from: new, relay: Self.relay)
        #expect(again.outcome == .dropped(.reservationHandover))
        #expect(shards[1].engine.takeHandovers().isEmpty, "asked again within a second")
        // A client of another line asks nothing and gets something else.
        let stranger = Self.client(onShard: 1, from: 500)
        #expect(!Self.isReserved(shards[1].dora(stranger, relay: TestRelay(remoteID: [1, 2, 3]))))
        // The holder's shard ends it, as the worker's handover job does.
        var records: [LeaseRecord] = []
        #expect(shards[0].engine.yieldReservation(binding, heldBy: old.key, now: shards[0].now, records: &records))
        #expect(records.map(\.event) == [.forcedRelease] && records.first?.clientKey == old.key)
        #expect(!shards[0].engine.yieldReservation(binding, heldBy: old.key, now: shards[0].now, records: &records))
        // The retransmission is answered with the reservation.
        let ack = shards[1].dora(new, relay: Self.relay)
        #expect(ack.replyType == .ack && Self.isReserved(ack))
        #expect(shards[1].engine.holders.holder(of: binding) == new.key)
        // Nobody holds it twice: the old client has nothing, and its renewal is NAKed.
        #expect(shards[0].engine.lease(of: old.key) == nil)
        let renewal = shards[0].send(
            old.message(.request, ciaddr: Self.address, portParams: ack.portParams), from: old, unicast: true,
            relay: Self.relay)
        #expect(renewal.replyType == .nak)
    }

    @Test func aHolderThatNoLongerHoldsItIsForgottenWhenAsked() throws {
        let shards = try Self.shards(.subscriberID(Self.line), count: 2)
        let relay = TestRelay(subscriberID: Self.line)
        let old = Self.client(onShard: 0, from: 1)
        let new = Self.client(onShard: 1, from: 1)
        let offer = shards[0].send(old.message(.discover), from: old, relay: relay)
        #expect(Self.isReserved(offer))
        let binding = shards[0].engine.lease(of: old.key)!.binding
        // Its offer lapses: the holder is gone with it.
        shards[0].advance(seconds: 600)
        #expect(shards[0].engine.holders.holder(of: binding) == nil)
        #expect(Self.isReserved(shards[1].dora(new, relay: relay)))
    }

    @Test func aPrefixReservationMatchesTheLongestReservedPrefix() throws {
        // TestClient 10...19 are in 2001:db8:100:100::/56, 20...29 in the next /56; all in the /48.
        var configuration = Self.configuration(.clientPrefix(IPv6Prefix("2001:db8:100:100::/56")!))
        configuration.reservations.append(
            Reservation(
                owner: .clientPrefix(IPv6Prefix("2001:db8:100::/48")!), address: Self.address, psid: 38, psidLength: 6))
        let harness = try EngineHarness(configuration)
        #expect(Self.isReserved(harness.dora(TestClient(15))))
        #expect(harness.dora(TestClient(23)).granted?.psid == 38)
        // Another client in the /48 (not the /56) takes the /48's over.
        let next = harness.send(TestClient(5).message(.discover), from: TestClient(5))
        #expect(next.granted?.psid == 38 && next.records.map(\.event) == [.forcedRelease])
        #expect(harness.engine.lease(of: TestClient(23).key) == nil)
        #expect(harness.engine.lease(of: TestClient(15).key)?.binding.psid == 37)
    }

    @Test func aReplayedLeaseKeepsItsHolderAndADuplicateFromACrashIsNotReplayed() throws {
        let before = try EngineHarness(Self.configuration(.remoteID(Self.line)))
        let holder = TestClient(1)
        #expect(Self.isReserved(before.dora(holder, relay: Self.relay)))
        let shards = try Self.shards(.remoteID(Self.line), count: 1)
        for record in before.allRecords { shards[0].engine.replay(record) }
        var records: [LeaseRecord] = []
        let ended = shards[0].engine.yieldReservations(now: before.now, records: &records)
        #expect(ended.isEmpty && records.isEmpty, "a subscriber's holder stays until the subscriber asks")
        let binding = shards[0].engine.lease(of: holder.key)!.binding
        #expect(shards[0].engine.holders.holder(of: binding) == holder.key)
        // A second client's bind on it (the other half of a handover the crash cut short).
        var duplicate = before.allRecords.last!
        duplicate.clientKey = TestClient(2).key
        shards[0].engine.replay(duplicate)
        #expect(shards[0].engine.lease(of: TestClient(2).key) == nil)
        #expect(shards[0].engine.counters.replayConflicts == 1)
    }

    @Test func removingItWhileHeldLeavesTheLeaseAndItsEndFreesTheSlots() throws {
        let owner = Reservation.Owner.remoteID(Self.line)
        let harness = try EngineHarness(Self.configuration(owner))
        let holder = TestClient(1)
        let ack = harness.dora(holder, relay: Self.relay)
        let binding = harness.engine.lease(of: holder.key)!.binding
        #expect(harness.engine.removeReservation(of: owner) == binding)
        #expect(!harness.engine.releaseIfUnheld(binding, by: owner))
        harness.send(holder.message(.release, ciaddr: Self.address, portParams: ack.portParams), from: holder)
        // Back in the pool: the 64th client finds it.
        var leased = 0
        for number in 100...170 where harness.dora(TestClient(number)).replyType == .ack { leased += 1 }
        #expect(leased == 64)
    }

    @Test func aDeclinedOfferReplayedMakesNoHolderAndTheLeaseAfterItReplays() throws {
        let before = try EngineHarness(Self.configuration(.remoteID(Self.line)))
        let decliner = TestClient(1)
        let offer = before.send(decliner.message(.discover), from: decliner, relay: Self.relay)
        #expect(Self.isReserved(offer))
        let decline = before.send(
            decliner.message(.decline, requested: Self.address, portParams: offer.portParams), from: decliner,
            relay: Self.relay)
        #expect(decline.records.map(\.event) == [.decline])
        before.advance(seconds: 86_400 + 1)
        let holder = TestClient(2)
        #expect(Self.isReserved(before.dora(holder, relay: Self.relay)))
        let after = try EngineHarness(Self.configuration(.remoteID(Self.line)))
        for record in before.allRecords { after.engine.replay(record) }
        #expect(after.engine.counters.replayConflicts == 0)
        let binding = try #require(after.engine.lease(of: holder.key)).binding
        #expect(after.engine.holders.holder(of: binding) == holder.key)
    }

    @Test func removalInTwoStepsNeverOffersWhatAShardNoLongerKeepsReserved() throws {
        let owner = Reservation.Owner.remoteID(Self.line)
        let shards = try Self.shards(owner, count: 2)
        let holder = Self.client(onShard: 0, from: 1)
        let ack = shards[0].dora(holder, relay: Self.relay)
        let binding = try #require(shards[0].engine.lease(of: holder.key)).binding
        // Step one on both: no shard offers it; the holder keeps it, and its release keeps the
        // slots out of the pool (the binding is still reserved).
        #expect(shards.map { $0.engine.stopOffering(owner) } == [binding, binding])
        let asker = Self.client(onShard: 1, from: 100)
        #expect(!Self.isReserved(shards[1].dora(asker, relay: Self.relay)))
        shards[0].send(holder.message(.release, ciaddr: Self.address, portParams: ack.portParams), from: holder)
        #expect(shards[0].engine.holders.holder(of: binding) == nil)
        var leased = 0
        for number in 200...300 where shards[1].dora(TestClient(number)).replyType == .ack { leased += 1 }
        #expect(leased == 62, "the asker holds one set, the reserved one stays out: \(leased)")
        // Step two, then the slots go back: the next client gets them.
        for shard in shards { shard.engine.removeReservation(of: owner, binding: binding) }
        #expect(!shards.contains { $0.engine.isQuarantined(binding) })
        #expect(shards[0].engine.releaseIfUnheld(binding, by: owner))
        #expect(shards[1].dora(TestClient(400)).granted?.psid == binding.psid)
    }

    @Test func configurationsThatCannotWorkAreRefused() throws {
        var configuration = Self.configuration(.remoteID(Self.line))
        configuration.reservations.append(
            Reservation(owner: .remoteID(Self.line), address: Self.address, psid: 2, psidLength: 6))
        #expect(throws: EngineError.self) { try LeaseEngine.makePools(for: configuration, shards: 1) }
        #expect(Reservation.Owner(text: "remote-id:00:00:0d:e9:6c") == .remoteID([0, 0, 0x0D, 0xE9, 0x6C]))
        #expect(Reservation.Owner(text: "prefix:2001:db8::/56") == .clientPrefix(IPv6Prefix("2001:db8::/56")!))
        #expect(Reservation.Owner(text: "subscriber-id:") == nil)
        #expect(Reservation.Owner(text: "remote-id:zz") == nil)
        #expect(Reservation.Owner(text: "remote-id:00:00:0d:e9") == nil, "an enterprise number and no ID")
        #expect(Reservation.Owner(text: "prefix:::/0") == nil, "every client")
        #expect(Reservation.Owner(text: "line-7") == nil)
    }
}
