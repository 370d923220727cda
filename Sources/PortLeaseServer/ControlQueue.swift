import LeaseEngine
import LeaseLog
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
    /// A job that changes the engine.
    public struct Change: Sendable {
        /// Runs on the worker: appends the records to log to `records` and returns what to call
        /// once they are durable (`true`) or never will be (`false`: the commit failed); nil when
        /// it changed nothing.
        public var apply: @Sendable (LeaseEngine, inout [LeaseRecord]) -> (@Sendable (Bool) -> Void)?
        /// Called instead of `apply` when the worker ends before it runs: nothing was changed.
        public var refuse: @Sendable () -> Void

        public init(
            apply: @escaping @Sendable (LeaseEngine, inout [LeaseRecord]) -> (@Sendable (Bool) -> Void)?,
            refuse: @escaping @Sendable () -> Void
        ) {
            self.apply = apply
            self.refuse = refuse
        }
    }

    /// A change's completion as the worker keeps it until its commit, with the sequence number
    /// the commit must reach. A struct, so that an array of them holds the closure as it is:
    /// an array of bare closures re-wraps each one it takes (an allocation on the worker, per
    /// change, measured).
    public struct Completion: Sendable {
        public let call: @Sendable (Bool) -> Void
        /// Set when the batch's records are written: the last sequence number they take.
        public var through: UInt64 = 0

        public init(_ call: @escaping @Sendable (Bool) -> Void) {
            self.call = call
        }
    }

    /// A read or a change.
    enum Queued {
        case read(Job)
        case change(Change)
    }

    /// Jobs waiting at most.
    public let capacity: Int
    private let jobs = Mutex<(waiting: [Queued], closed: Bool)>(([], false))
    private let waiting = Atomic<Int>(0)
    /// The jobs ``run(limit:_:records:changed:)`` took, moved out from under the lock into
    /// memory it keeps (no allocation per batch). Touched only on the worker's thread.
    private nonisolated(unsafe) var taken: [Queued] = []

    public init(capacity: Int = 64) {
        self.capacity = capacity
    }

    /// Queues `job`; false when the queue is full or the worker has ended.
    public func submit(_ job: @escaping Job) -> Bool {
        enqueue(.read(job))
    }

    /// Queues a change; false when the queue is full or the worker has ended.
    public func submitChange(_ change: Change) -> Bool {
        enqueue(.change(change))
    }

    private func enqueue(_ job: Queued) -> Bool {
        jobs.withLock { state in
            guard !state.closed, state.waiting.count < capacity else { return false }
            state.waiting.append(job)
            waiting.add(1, ordering: .releasing)
            return true
        }
    }

    /// Whether a job waits (one atomic load: the worker asks every batch).
    public var hasJobs: Bool { waiting.load(ordering: .acquiring) > 0 }

    /// Worker side: runs up to `limit` waiting jobs with `engine`, oldest first. A change's
    /// records go to `records` (the batch's, written with it) and its completion to `changed`.
    func run(
        limit: Int, _ engine: LeaseEngine, records: inout [LeaseRecord], changed: inout [Completion]
    ) {
        guard hasJobs else { return }
        jobs.withLock { state in
            let count = min(limit, state.waiting.count)
            taken.append(contentsOf: state.waiting.prefix(count))
            state.waiting.removeFirst(count)
            waiting.subtract(count, ordering: .releasing)
        }
        for job in taken {
            switch job {
            case .read(let read): read(engine)
            case .change(let change):
                if let completion = change.apply(engine, &records) { changed.append(Completion(completion)) }
            }
        }
        taken.removeAll(keepingCapacity: true)
    }

    /// Worker side, at its end: refuses new jobs and runs the reads still waiting; changes
    /// still waiting are not made (their callers are told nothing was applied).
    func close(_ engine: LeaseEngine) {
        let remaining: [Queued] = jobs.withLock { state in
            state.closed = true
            defer { state.waiting.removeAll() }
            waiting.store(0, ordering: .releasing)
            return state.waiting
        }
        for job in remaining {
            switch job {
            case .read(let read): read(engine)
            case .change(let change): change.refuse()  // it would need a commit the worker will not make
            }
        }
    }
}
