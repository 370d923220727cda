import LeaseEngine
import LeaseLog
import PortLeaseWire
import Synchronization
import Testing

@testable import PortLeaseServer

/// The control plane's way into a shard: bounded, answered a few at a time, never lost.
@Suite struct ControlQueueTests {
    let engine = try! LeaseEngine.makeShards(ServerFixtures.engineConfiguration(), count: 1)[0]

    /// Runs up to `limit` jobs as a worker does, returning the records and completions of changes.
    @discardableResult
    func run(_ queue: ControlQueue, limit: Int) -> ([LeaseRecord], [ControlQueue.Completion]) {
        var records: [LeaseRecord] = []
        var changed: [ControlQueue.Completion] = []
        queue.run(limit: limit, engine, records: &records, changed: &changed)
        return (records, changed)
    }

    @Test func aFullQueueRefusesAndJobsRunOldestFirstAFewPerBatch() {
        let queue = ControlQueue(capacity: 3)
        let order = Mutex<[Int]>([])
        #expect(!queue.hasJobs)
        for index in 0..<3 { #expect(queue.submit { _ in order.withLock { $0.append(index) } }) }
        #expect(!queue.submit { _ in }, "a fourth job does not fit")
        #expect(queue.hasJobs)
        run(queue, limit: 2)
        #expect(order.withLock { $0 } == [0, 1])
        run(queue, limit: 2)
        #expect(order.withLock { $0 } == [0, 1, 2])
        #expect(!queue.hasJobs)
    }

    @Test func jobsWaitingWhenTheWorkerEndsStillRunAndLaterOnesAreRefused() {
        let queue = ControlQueue(capacity: 4)
        let ran = Atomic<Int>(0)
        #expect(queue.submit { _ in ran.add(1, ordering: .relaxed) })
        #expect(queue.submit { _ in ran.add(1, ordering: .relaxed) })
        queue.close(engine)
        #expect(ran.load(ordering: .relaxed) == 2)
        #expect(!queue.submit { _ in ran.add(1, ordering: .relaxed) })
        #expect(!queue.hasJobs)
    }

    @Test func aJobSeesTheWorkersEngine() {
        let queue = ControlQueue()
        let pools = Mutex(0)
        #expect(queue.submit { engine in pools.withLock { $0 = engine.configuration.pools.count } })
        run(queue, limit: 8)
        #expect(pools.withLock { $0 } == engine.configuration.pools.count)
    }

    @Test func aChangeGivesTheBatchItsRecordsAndIsToldWhenTheyAreDurable() {
        let queue = ControlQueue()
        let told = Mutex<[Bool]>([])
        let record = LeaseRecord(
            event: .forcedRelease, time: 1, clientKey: ClientKey(kind: .clientIdentifier, bytes: [1]),
            subscriber: .unspecified, address: IPv4Address(198, 51, 100, 1), lifetime: 0)
        let change = ControlQueue.Change(
            apply: { _, records in
                records.append(record)
                return { durable in told.withLock { $0.append(durable) } }
            },
            refuse: { told.withLock { $0.append(false) } })
        #expect(queue.submitChange(change))
        let (records, changed) = run(queue, limit: 8)
        #expect(records == [record])
        #expect(changed.count == 1)
        #expect(told.withLock { $0 }.isEmpty, "nothing is told before the commit")
        changed.forEach { $0.call(true) }
        #expect(told.withLock { $0 } == [true])
    }

    @Test func aChangeStillWaitingWhenTheWorkerEndsIsRefusedNotApplied() {
        let queue = ControlQueue()
        let applied = Atomic<Int>(0)
        let refused = Atomic<Int>(0)
        let change = ControlQueue.Change(
            apply: { _, _ in
                applied.add(1, ordering: .relaxed)
                return nil
            },
            refuse: { refused.add(1, ordering: .relaxed) })
        #expect(queue.submitChange(change))
        queue.close(engine)
        #expect(applied.load(ordering: .relaxed) == 0 && refused.load(ordering: .relaxed) == 1)
        #expect(!queue.submitChange(change))
    }
}
