import LeaseEngine
import LeaseLog
import PortLeaseWire
import PortSetPool
import Testing

// A standby's engine catching up: a snapshot's end, declines sent again, and clients it stays
// silent for going unanswered.
extension LeaseEngineStandbyTests {
    // MARK: - Catching up from a snapshot

    /// After a snapshot, the standby ends what it holds in the followed pools that the snapshot
    /// does not name (the end was folded away on the active), and keeps the rest and every
    /// other pool's leases.
    @Test func aSnapshotEndsTheLeasesItDoesNotNameInTheFollowedPoolsOnly() throws {
        let engine = try LeaseEngine.makeShards(Self.bThenA(), count: 1)[0]
        let (kept, stale, other) = (TestClient(1), TestClient(2), TestClient(3))
        engine.replay(Self.record(.bind, kept, at: 0))
        var staleBind = Self.record(.bind, stale, at: 0)
        staleBind.psid = 6
        engine.replay(staleBind)
        var elsewhere = Self.record(.bind, other, at: 0)
        elsewhere.address = Self.addressA
        engine.replay(elsewhere)
        #expect(try Self.used(engine, 0) == 2 && Self.used(engine, 1) == 1)

        var records: [LeaseRecord] = []
        // The snapshot names `kept` on the port set it holds here, and `other` (pool 1) too.
        var moved = Self.record(.bind, TestClient(5), at: 0)
        moved.psid = 7
        engine.replay(moved)
        var movedInSnapshot = moved
        movedInSnapshot.psid = 8
        let keep = [kept.key: Self.record(.bind, kept, at: 0), moved.clientKey: movedInSnapshot]
        let ended = engine.endReplicaLeases(inPools: [0], except: keep, now: 1_800_000_100_000, records: &records)
        #expect(ended == 2, "the stale lease, and the one the snapshot has on another port set")
        #expect(records.map(\.event) == [.forcedRelease, .forcedRelease])
        #expect(Set(records.map(\.clientKey)) == [stale.key, moved.clientKey])
        #expect(Set(records.map(\.psid)) == [6, 7] && records.allSatisfy { $0.time == 1_800_000_100_000 })
        #expect(engine.lease(of: stale.key) == nil)
        #expect(engine.lease(of: kept.key)?.kind == .bound)
        #expect(engine.lease(of: other.key)?.kind == .bound, "pool 1 is not followed")
        #expect(try Self.used(engine, 0) == 1 && Self.used(engine, 1) == 1)
        // The freed port set is ready for the snapshot's bind that waited for it.
        var newHolder = Self.record(.bind, TestClient(4), at: 50)
        newHolder.psid = 6
        #expect(engine.isReplicaReady(newHolder))
    }
}

extension LeaseEngineStandbyTests {
    // MARK: - Clients going unanswered

    /// A standby stays silent for its active's pools, and notes when a client it stays silent
    /// for has been trying for `unanswered-secs` or more: the second signal of a dead active.
    @Test func aSilentQueryWithAGrowingSecsIsNotedOnlyFromTheThreshold() throws {
        let harness = try EngineHarness(Self.onlyB())
        let served = harness.engine.served
        served.set([0], to: .silent)
        var discover = TestClient(1).message(.discover)
        discover.header.secs = 9
        #expect(harness.send(discover, from: TestClient(1)).outcome == .dropped(.standby))
        #expect(served.lastUnansweredClient(in: [0]) == 0, "not watched until configured")

        served.watchUnansweredClients(secs: 10)
        #expect(harness.send(discover, from: TestClient(1)).outcome == .dropped(.standby))
        #expect(served.lastUnansweredClient(in: [0]) == 0, "9 s of trying is below 10")
        discover.header.secs = 10
        #expect(harness.send(discover, from: TestClient(1)).outcome == .dropped(.standby))
        #expect(served.lastUnansweredClient(in: [0]) == harness.now)
        #expect(served.lastUnansweredClient(in: [1, 2]) == 0, "noted against the client's pool only")

        // A query this server answers is no sign of anything, whatever its secs.
        served.set([0], to: .serving)
        let later = harness.now + 5000
        harness.now = later
        #expect(harness.send(discover, from: TestClient(2)).replyType == .offer)
        #expect(served.lastUnansweredClient(in: [0]) == later - 5000)
    }
}

extension LeaseEngineStandbyTests {
    /// A decline sent again (after a reconnect, or in a snapshot) is ready and skipped: its
    /// port set waits out the quarantine the first copy started, and waiting for that to end
    /// would hold every later record of the shard back.
    @Test func aDeclineAppliedAlreadyIsReadyAndSkipped() throws {
        let engine = try LeaseEngine.makeShards(Self.onlyB(), count: 1)[0]
        let decline = Self.record(.decline, TestClient(1), at: 0)
        #expect(engine.isReplicaReady(decline) && !engine.isReplicaSuperseded(decline))
        engine.replay(decline)
        #expect(engine.isReplicaReady(decline), "its own quarantine is no reason to wait")
        #expect(engine.isReplicaSuperseded(decline))
        // Another client's decline of a set someone holds still waits for the release.
        let other = TestClient(2)
        var held = Self.record(.bind, other, at: 10)
        held.psid = 9
        engine.replay(held)
        var declineOfHeld = Self.record(.decline, TestClient(3), at: 20)
        declineOfHeld.psid = 9
        #expect(!engine.isReplicaReady(declineOfHeld) && !engine.isReplicaSuperseded(declineOfHeld))
    }
}
