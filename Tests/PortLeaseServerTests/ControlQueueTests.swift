import LeaseEngine
import Synchronization
import Testing

@testable import PortLeaseServer

/// The control plane's way into a shard: bounded, answered a few at a time, never lost.
@Suite struct ControlQueueTests {
    let engine = try! LeaseEngine.makeShards(ServerFixtures.engineConfiguration(), count: 1)[0]

    @Test func aFullQueueRefusesAndJobsRunOldestFirstAFewPerBatch() {
        let queue = ControlQueue(capacity: 3)
        let order = Mutex<[Int]>([])
        #expect(!queue.hasJobs)
        for index in 0..<3 { #expect(queue.submit { _ in order.withLock { $0.append(index) } }) }
        #expect(!queue.submit { _ in }, "a fourth job does not fit")
        #expect(queue.hasJobs)
        queue.run(limit: 2, engine)
        #expect(order.withLock { $0 } == [0, 1])
        queue.run(limit: 2, engine)
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
        queue.run(limit: 8, engine)
        #expect(pools.withLock { $0 } == engine.configuration.pools.count)
    }
}
