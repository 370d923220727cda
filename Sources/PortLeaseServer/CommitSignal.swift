import Synchronization

/// Wakes the async readers of the shards' logs (the replication sender) when a shard's commit
/// completes, so that records leave for a standby the moment they are durable instead of at
/// the reader's next poll.
///
/// The shard workers call ``committed()`` after each commit: one atomic add and one load while
/// nobody waits, never a lock or an allocation. A reader takes ``generation``, looks at the
/// logs, and if it found nothing calls ``wait(after:)``, which returns at once if a commit came
/// since. ``wake()`` (a timer, cancellation) lets waiters go without a commit.
public final class CommitSignal: Sendable {
    private let changes = Atomic<UInt64>(0)
    /// Set while a reader waits (or is about to): the workers then take the lock and wake it.
    private let waiting = Atomic<Bool>(false)
    private let waiters = Mutex<[CheckedContinuation<Void, Never>]>([])

    public init() {}

    /// How many commits (and wakes) there have been: what a reader passes to ``wait(after:)``.
    public var generation: UInt64 { changes.load(ordering: .sequentiallyConsistent) }

    /// A shard's commit completed (its worker's thread).
    @inline(__always)
    func committed() {
        changes.add(1, ordering: .sequentiallyConsistent)
        if waiting.load(ordering: .sequentiallyConsistent) { resumeAll() }
    }

    /// Lets every waiter go, commit or not.
    public func wake() {
        changes.add(1, ordering: .sequentiallyConsistent)
        resumeAll()
    }

    /// Returns once ``generation`` has moved past `seen` (at once if it already has), or the
    /// task is cancelled.
    public func wait(after seen: UInt64) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = waiters.withLock { waiters -> Bool in
                    // Announce first, then look: a worker that commits after the look sees the flag.
                    waiting.store(true, ordering: .sequentiallyConsistent)
                    if changes.load(ordering: .sequentiallyConsistent) != seen || Task.isCancelled { return true }
                    waiters.append(continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            wake()
        }
    }

    /// Resumes the waiters under the lock: handing the array out first would copy it (an
    /// allocation on the worker's thread), and a resume only schedules the waiting task.
    private func resumeAll() {
        waiters.withLock { waiters in
            waiting.store(false, ordering: .sequentiallyConsistent)
            for waiter in waiters { waiter.resume() }
            waiters.removeAll(keepingCapacity: true)
        }
    }
}
