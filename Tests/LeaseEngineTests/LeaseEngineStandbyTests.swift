import LeaseEngine
import LeaseLog
import PortLeaseWire
import PortSetPool
import Testing

/// A hot standby's engine: it answers nothing about the pools it is the standby of, allocates
/// nothing from them, keeps the leases it holds in them, and applies its partner's records
/// only once their slots are free.
@Suite struct LeaseEngineStandbyTests {
    static let addressB = IPv4Address(198, 51, 100, 1)
    static let addressA = IPv4Address(198, 51, 100, 2)

    /// B (index 0, one address) before A (index 1, one address): B comes first in selection.
    static func bThenA() -> EngineConfiguration {
        Fixtures.configuration([
            Fixtures.sharedPool("b", "198.51.100.1", "198.51.100.1"),
            Fixtures.sharedPool("a", "198.51.100.2", "198.51.100.2"),
        ])
    }

    static func onlyB() -> EngineConfiguration {
        Fixtures.configuration([Fixtures.sharedPool("b", "198.51.100.1", "198.51.100.1")])
    }

    static func used(_ engine: LeaseEngine, _ pool: Int) throws -> Int {
        try engine.pools[pool].usedPortSets(psidLength: 6)
    }

    /// A renewal (RENEWING, unicast) or rebinding (broadcast) of what `ack` granted.
    static func renewal(_ client: TestClient, _ ack: Exchange) -> DHCPv4Message {
        client.message(.request, ciaddr: ack.yiaddr!, portParams: ack.portParams)
    }

    // MARK: - ServedPools

    @Test func servedPoolsStartAllServedAndTrackTheStandbyOnes() {
        let served = ServedPools(count: 5)
        #expect(!served.isRestricted)
        #expect((0..<5).allSatisfy { served.answers($0) })
        #expect(served.silentPools.isEmpty)
        served.set([1, 3], to: .silent)
        #expect(served.isRestricted)
        #expect(served.silentPools == [1, 3])
        #expect(!served.answers(1) && !served.answers(3))
        #expect(served.answers(0) && served.answers(2) && served.answers(4))
        // Out-of-range indices are ignored.
        served.set([-1, 5, 99], to: .silent)
        #expect(served.silentPools == [1, 3])
        served.set([1], to: .serving)
        #expect(served.silentPools == [3])
        served.set([3], to: .serving)
        #expect(!served.isRestricted && served.silentPools.isEmpty)
        #expect((0..<5).allSatisfy { served.answers($0) })
    }

    @Test func servedPoolsWorkBeyondSixtyFourPools() {
        let served = ServedPools(count: 70)
        #expect(!served.isRestricted && served.answers(66) && served.answers(69))
        served.set([66], to: .silent)
        #expect(served.silentPools == [66])
        #expect(!served.answers(66))
        #expect(served.answers(2), "the same bit of the first word is untouched")
        #expect(served.answers(65) && served.answers(67) && served.answers(69))
        served.set([2, 69], to: .silent)
        #expect(served.silentPools == [2, 66, 69])
        served.set([66, 2, 69], to: .serving)
        #expect(!served.isRestricted && served.answers(66))
    }

    @Test func theShardsShareOneServedPoolsAndThePoolRanges() throws {
        let shards = try LeaseEngine.makeShards(Self.bThenA(), count: 2)
        #expect(shards[0].served === shards[1].served)
        shards[0].served.set([0], to: .silent)
        #expect(!shards[1].served.answers(0) && shards[1].served.answers(1))
        let ranges = shards[1].poolRanges.map { [$0.range.lowerBound, $0.range.upperBound, UInt32($0.pool)] }
        #expect(
            ranges == [[Self.addressB.value, Self.addressB.value, 0], [Self.addressA.value, Self.addressA.value, 1]])
    }

    // MARK: - Allocation

    @Test func aNewClientIsOfferedFromTheServedPoolOnlyEvenWhenTheStandbyPoolComesFirst() throws {
        let harness = try EngineHarness(Self.bThenA())
        harness.engine.served.set([0], to: .silent)
        for number in 1...5 {
            let ack = harness.dora(TestClient(number))
            #expect(
                ack.replyType == .ack && ack.yiaddr == Self.addressA,
                "client \(number) got \(String(describing: ack.yiaddr))")
        }
        #expect(try Self.used(harness.engine, 0) == 0)
        #expect(try Self.used(harness.engine, 1) == 5)
    }

    @Test func aFullServedPoolDoesNotSpillIntoTheStandbyPool() throws {
        let harness = try EngineHarness(
            Fixtures.configuration([
                Fixtures.sharedPool("a", "198.51.100.2", "198.51.100.2"),
                Fixtures.sharedPool("b", "198.51.100.1", "198.51.100.1"),
            ]))
        harness.engine.served.set([1], to: .silent)
        var leased = 0
        for number in 1...70 {
            let ack = harness.dora(TestClient(number))
            if ack.replyType == .ack {
                leased += 1
                #expect(ack.yiaddr == Self.addressA)
            } else {
                #expect(ack.outcome == .dropped(.poolsExhausted))
            }
        }
        #expect(leased == 64)
        #expect(try Self.used(harness.engine, 1) == 0)
        #expect(harness.engine.counters.poolsExhausted == [6, 0])
    }

    @Test func aClientWhosePreviousBindingIsInTheStandbyPoolIsOfferedFromTheServedOne() throws {
        let harness = try EngineHarness(Self.bThenA())
        let client = TestClient(1)
        let ack = harness.dora(client)
        #expect(ack.yiaddr == Self.addressB)
        let release = harness.send(
            client.message(.release, ciaddr: Self.addressB, portParams: ack.portParams), from: client)
        #expect(release.outcome == .accepted(.release))
        #expect(harness.engine.previousBinding(of: client.key)?.pool == 0)
        harness.engine.served.set([0], to: .silent)
        let offer = harness.send(client.message(.discover), from: client)
        #expect(offer.replyType == .offer && offer.yiaddr == Self.addressA)
    }

    @Test func aDiscoverForTheOnlyPoolInStandbyIsDroppedAndChangesNothing() throws {
        let harness = try EngineHarness(Self.onlyB())
        harness.engine.served.set([0], to: .silent)
        let poolBefore = harness.engine.pools[0].counters()
        for client in [TestClient(1), TestClient(2, wantsPortParams: false)] {
            let discover = harness.send(client.message(.discover), from: client)
            #expect(discover.outcome == .dropped(.standby))
            #expect(discover.reply == nil && discover.records.isEmpty)
            #expect(harness.engine.lease(of: client.key) == nil)
        }
        // With option 50 and 159 naming a port set of the pool, too.
        let hinted = TestClient(3)
        let named = harness.send(
            hinted.message(
                .discover, requested: Self.addressB, portParams: try PortParams(offset: 6, psidLength: 6, psid: 5)),
            from: hinted)
        #expect(named.outcome == .dropped(.standby) && named.records.isEmpty)
        #expect(harness.engine.pools[0].counters() == poolBefore)
        #expect(try Self.used(harness.engine, 0) == 0)
        #expect(harness.engine.counters.offers == 0)
        #expect(harness.engine.counters.offersOutstanding == [0])
        #expect(harness.engine.counters.poolsExhausted == [0])
        #expect(harness.engine.counters.dropped(.standby) == 3)
        #expect(harness.allRecords.isEmpty)
    }

    // MARK: - Leases held in a standby pool

    @Test func aLeaseInAStandbyPoolIsNeitherRenewedNorReleasedNorMovedAndStaysHeld() throws {
        let harness = try EngineHarness(Self.bThenA())
        let client = TestClient(1)
        let ack = harness.dora(client)
        #expect(ack.replyType == .ack && ack.yiaddr == Self.addressB)
        let held = try #require(harness.engine.lease(of: client.key))
        harness.engine.served.set([0], to: .silent)
        harness.now += 1_000_000
        let renewing = harness.send(Self.renewal(client, ack), from: client, unicast: true)
        let rebinding = harness.send(Self.renewal(client, ack), from: client, unicast: false)
        let initReboot = harness.send(
            client.message(.request, requested: Self.addressB, portParams: ack.portParams), from: client)
        let selecting = harness.send(
            client.message(
                .request, requested: Self.addressB, serverIdentifier: Fixtures.serverID, portParams: ack.portParams),
            from: client)
        let discover = harness.send(client.message(.discover), from: client)
        let release = harness.send(
            client.message(.release, ciaddr: Self.addressB, portParams: ack.portParams), from: client)
        for exchange in [renewing, rebinding, initReboot, selecting, discover, release] {
            #expect(exchange.outcome == .dropped(.standby))
            #expect(exchange.reply == nil && exchange.records.isEmpty)
        }
        #expect(harness.engine.lease(of: client.key) == held, "the lease, its expiry included, is untouched")
        #expect(harness.engine.holder(of: held.binding) == client.key)
        #expect(try Self.used(harness.engine, 0) == 1)
        #expect(try Self.used(harness.engine, 1) == 0, "its DISCOVER took nothing from A")
        #expect(harness.engine.counters.releases == 0 && harness.engine.counters.acks == 1)
        #expect(harness.engine.counters.naks == 0)
        #expect(harness.engine.counters.dropped(.standby) == 6)
    }

    @Test func anUnknownClientAskingForAStandbyAddressIsDroppedNotNaked() throws {
        let harness = try EngineHarness(Self.bThenA())
        let params = try PortParams(offset: 6, psidLength: 6, psid: 5)
        let client = TestClient(1)
        let initReboot = client.message(.request, requested: Self.addressB, portParams: params)
        // Served, B's address from an unknown client in INIT-REBOOT is not ours to NAK.
        #expect(harness.send(initReboot, from: client).outcome == .dropped(.unknownClient))
        harness.engine.served.set([0], to: .silent)
        let dropped = harness.send(initReboot, from: client)
        #expect(dropped.outcome == .dropped(.standby))
        #expect(dropped.reply == nil && dropped.records.isEmpty)
        // RENEWING and REBINDING with ciaddr in B, and INFORM from it, too (served, those are NAKed or answered).
        let renewing = harness.send(
            client.message(.request, ciaddr: Self.addressB, portParams: params), from: client, unicast: true)
        let rebinding = harness.send(client.message(.request, ciaddr: Self.addressB, portParams: params), from: client)
        let inform = harness.send(client.message(.inform, ciaddr: Self.addressB), from: client)
        for exchange in [renewing, rebinding, inform] {
            #expect(exchange.outcome == .dropped(.standby) && exchange.reply == nil)
        }
        #expect(harness.engine.lease(of: client.key) == nil)
        #expect(harness.engine.counters.naks == 0)
        // A's addresses are answered as before: NAKed for a client the server does not know.
        let other = harness.send(
            client.message(.request, ciaddr: Self.addressA, portParams: params), from: client, unicast: true)
        #expect(other.replyType == .nak)
    }

    @Test func aLeaseRenewsNormallyOnceItsPoolIsServedAgain() throws {
        let harness = try EngineHarness(Self.bThenA())
        let client = TestClient(1)
        let ack = harness.dora(client)
        harness.engine.served.set([0], to: .silent)
        harness.now += 1_000_000
        #expect(harness.send(Self.renewal(client, ack), from: client, unicast: true).outcome == .dropped(.standby))
        harness.engine.served.set([0], to: .serving)
        #expect(!harness.engine.served.isRestricted)
        let renewal = harness.send(Self.renewal(client, ack), from: client, unicast: true)
        #expect(renewal.replyType == .ack && renewal.yiaddr == Self.addressB)
        #expect(renewal.portParams == ack.portParams)
        #expect(renewal.records.map(\.event) == [.renew])
        #expect(harness.engine.lease(of: client.key)?.expiry == harness.now + 3_600_000)
        let release = harness.send(
            client.message(.release, ciaddr: Self.addressB, portParams: ack.portParams), from: client)
        #expect(release.outcome == .accepted(.release))
        #expect(try Self.used(harness.engine, 0) == 0)
    }

    // MARK: - Renewing only (the other partner's share)

    @Test func aRenewingPoolRenewsItsLeasesButAllocatesNothing() throws {
        let harness = try EngineHarness(Self.bThenA())
        let holder = TestClient(1)
        let ack = harness.dora(holder)
        #expect(ack.yiaddr == Self.addressB)
        harness.engine.served.set([0], to: .renewing)
        #expect(harness.engine.served.role(of: 0) == .renewing && harness.engine.served.role(of: 1) == .serving)
        harness.now += 1_000_000
        // The holder is answered: its renewal, and its DISCOVER after a reboot.
        let renewal = harness.send(Self.renewal(holder, ack), from: holder, unicast: true)
        #expect(
            renewal.replyType == .ack && renewal.yiaddr == Self.addressB && renewal.records.map(\.event) == [.renew])
        #expect(harness.send(holder.message(.discover), from: holder).yiaddr == Self.addressB)
        // A new client gets A even though B, first in selection order, has free port sets.
        let newcomer = harness.dora(TestClient(2))
        #expect(newcomer.yiaddr == Self.addressA)
        #expect(try Self.used(harness.engine, 0) == 1)
    }

    @Test func noPortSetOfARenewingPoolIsTakenAgainOrAllocated() throws {
        let harness = try EngineHarness(Self.onlyB())
        let client = TestClient(1)
        let ack = harness.dora(client)
        let release = harness.send(
            client.message(.release, ciaddr: Self.addressB, portParams: ack.portParams), from: client)
        #expect(release.outcome == .accepted(.release))
        harness.engine.served.set([0], to: .renewing)
        // Its previous port set is free, but taking it again would be an allocation.
        let reboot = harness.send(
            client.message(.request, requested: Self.addressB, portParams: ack.portParams), from: client)
        #expect(reboot.replyType == .nak && reboot.records.isEmpty)
        let discover = harness.send(client.message(.discover), from: client)
        #expect(discover.outcome == .dropped(.standby) && discover.records.isEmpty)
        #expect(harness.send(TestClient(2).message(.discover), from: TestClient(2)).outcome == .dropped(.standby))
        #expect(try Self.used(harness.engine, 0) == 0)
        #expect(harness.engine.counters.poolsExhausted == [0])
    }

    // MARK: - Replica readiness

    static let replicated = Binding(address: addressB, psid: 5, psidLength: 6, pool: 0)

    static func record(_ event: LeaseRecord.Event, _ client: TestClient, at seconds: Int64) -> LeaseRecord {
        LeaseRecord(
            event: event, time: 1_800_000_000_000 + seconds * 1000, clientKey: client.key,
            subscriber: client.address, address: addressB, psid: 5, psidLength: 6, psidOffset: 6,
            lifetime: event == .bind || event == .renew ? 3600 : event == .decline ? 600 : 0)
    }

    @Test func aBindWaitsForTheReleaseOnAnotherShardThatFreesItsSlots() throws {
        let shards = try LeaseEngine.makeShards(Self.onlyB(), count: 2)
        shards[0].served.set([0], to: .silent)
        let x = TestClient(1)
        let y = TestClient(2)
        let bindX = Self.record(.bind, x, at: 0)
        #expect(shards[1].isReplicaReady(bindX))
        shards[1].replay(bindX)
        #expect(shards[1].lease(of: x.key)?.binding == Self.replicated)
        // Y's bind arrives on shard 0 before X's release on shard 1: its slots are taken.
        let bindY = Self.record(.bind, y, at: 20)
        #expect(!shards[0].isReplicaReady(bindY))
        #expect(!shards[0].isReplicaReady(Self.record(.renew, y, at: 20)))
        #expect(!shards[0].isReplicaReady(Self.record(.decline, y, at: 20)))
        // X renewing what it holds is ready; ends of leases always are.
        #expect(shards[1].isReplicaReady(Self.record(.renew, x, at: 5)))
        for event in [LeaseRecord.Event.release, .expire, .forcedRelease] {
            #expect(shards[0].isReplicaReady(Self.record(event, y, at: 20)), "\(event)")
            #expect(shards[1].isReplicaReady(Self.record(event, x, at: 10)), "\(event)")
        }
        let releaseX = Self.record(.release, x, at: 10)
        shards[1].replay(releaseX)
        #expect(shards[1].lease(of: x.key) == nil)
        #expect(shards[0].isReplicaReady(bindY))
        shards[0].replay(bindY)
        #expect(shards[0].lease(of: y.key)?.binding == Self.replicated)
        #expect(shards[0].lease(of: y.key)?.kind == .bound)
        #expect(shards[0].holder(of: Self.replicated) == y.key)
        #expect(shards[0].isReplicaReady(Self.record(.renew, y, at: 30)))
        // Now X's bind on shard 1 would be the one to wait.
        #expect(!shards[1].isReplicaReady(Self.record(.bind, x, at: 40)))
        #expect(shards.allSatisfy { $0.counters.replayConflicts == 0 })
        #expect(try shards[0].pools[0].usedPortSets(psidLength: 6) == 1)
    }

    @Test func aBindOfASlotAnotherClientHoldsOnTheSameShardWaitsToo() throws {
        let shards = try LeaseEngine.makeShards(Self.onlyB(), count: 1)
        let x = TestClient(1)
        let y = TestClient(2)
        shards[0].replay(Self.record(.bind, x, at: 0))
        #expect(!shards[0].isReplicaReady(Self.record(.bind, y, at: 10)))
        #expect(shards[0].isReplicaReady(Self.record(.bind, x, at: 10)), "a bind of what it holds")
        shards[0].replay(Self.record(.expire, x, at: 3600))
        #expect(shards[0].isReplicaReady(Self.record(.bind, y, at: 3700)))
        // An address in no pool is ready (replay counts it as a conflict).
        var stray = Self.record(.bind, y, at: 3700)
        stray.address = IPv4Address(192, 0, 2, 77)
        #expect(shards[0].isReplicaReady(stray))
    }

    @Test func aBindOfADeclinedSetWaitsForItsQuarantineToEnd() throws {
        let shards = try LeaseEngine.makeShards(Self.onlyB(), count: 1)
        let decline = Self.record(.decline, TestClient(1), at: 0)
        #expect(shards[0].isReplicaReady(decline), "a declined offer's slots are free")
        shards[0].replay(decline)
        #expect(!shards[0].isReplicaReady(Self.record(.bind, TestClient(2), at: 300)), "still quarantined")
        var records: [LeaseRecord] = []
        shards[0].expire(now: 1_800_000_000_000 + 600_000, records: &records)
        let bind = Self.record(.bind, TestClient(2), at: 700)
        #expect(shards[0].isReplicaReady(bind))
        shards[0].replay(bind)
        #expect(shards[0].lease(of: TestClient(2).key)?.binding == Self.replicated)
        #expect(shards[0].counters.replayConflicts == 0)
    }
}
