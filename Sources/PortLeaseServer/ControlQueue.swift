import LeaseEngine
import Synchronization

/// Requests from the control plane to one shard worker: the only way the control API reaches
/// a shard's engine, which belongs to the worker's thread. Bounded (a full queue refuses, and
/// the API answers 503), and answered between batches, a few at a time, so the packet path
/// pays one atomic load per batch while no request waits.
///
/// A job is a closure run on the worker's thread with the engine; it hands its answer back
/// itself (the API resumes a continuation). Jobs still queued when the worker ends are run
/// then (reads of the engine stay valid), and later submissions are refused, so no caller
/// waits forever.
public final class ControlQueue: Sendable {
    public typealias Job = @Sendable (LeaseEngine) -> Void

    /// Jobs waiting at most.
    public let capacity: Int
    private let jobs = Mutex<(waiting: [Job], closed: Bool)>(([], false))
    private let waiting = Atomic<Int>(0)

    public init(capacity: Int = 64) {
        self.capacity = capacity
    }

    /// Queues `job`; false when the queue is full or the worker has ended.
    public func submit(_ job: @escaping Job) -> Bool {
        jobs.withLock { state in
            guard !state.closed, state.waiting.count < capacity else { return false }
            state.waiting.append(job)
            waiting.add(1, ordering: .releasing)
            return true
        }
    }

    /// Whether a job waits (one atomic load: the worker asks every batch).
    public var hasJobs: Bool { waiting.load(ordering: .acquiring) > 0 }

    /// Worker side: runs up to `limit` waiting jobs with `engine`, oldest first.
    func run(limit: Int, _ engine: LeaseEngine) {
        guard hasJobs else { return }
        let taken: [Job] = jobs.withLock { state in
            let count = min(limit, state.waiting.count)
            let taken = Array(state.waiting.prefix(count))
            state.waiting.removeFirst(count)
            waiting.subtract(count, ordering: .releasing)
            return taken
        }
        for job in taken { job(engine) }
    }

    /// Worker side, at its end: refuses new jobs and runs those still waiting.
    func close(_ engine: LeaseEngine) {
        let remaining: [Job] = jobs.withLock { state in
            state.closed = true
            defer { state.waiting.removeAll() }
            waiting.store(0, ordering: .releasing)
            return state.waiting
        }
        for job in remaining { job(engine) }
    }
}
