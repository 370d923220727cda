import Synchronization

/// Wakes the async readers of the shards' logs (the replication sender) when a shard's commit
/// completes, so that records leave for a standby the moment they are durable instead of at
/// the reader's next poll.
///
/// The shard workers call ``committed()`` after each commit: one atomic add and one load while
/// nobody waits, never a lock or an allocation. A reader takes ``generation``, looks at the
/// logs, and if it found nothing calls ``wait(after:)``, which returns at once if a commit came
/// since. ``wake()`` (a timer, cancellation) lets waiters go without a commit.
///
/// A reader whose task prefers an event loop registers a ring instead (``addRinger(_:)``): the
/// worker calls it, which must not allocate (an `EventLoopDoorbell`), where resuming that task
/// from the worker would allocate on the worker's thread (NIO's `execute`).
public final class CommitSignal: Sendable {
    private let changes = Atomic<UInt64>(0)
    /// Set while a reader waits (or is about to): the workers then take the lock and wake it.
    private let waiting = Atomic<Bool>(false)
    private let waiters = Mutex<[CheckedContinuation<Void, Never>]>([])
    /// Rings called at every commit and wake, by number (``addRinger(_:)``).
    private let ringers = Mutex<[Ringer]>([])
    private let ringerCount = Atomic<Int>(0)
    private let nextRinger = Atomic<Int>(0)

    /// A registered ring: a struct, so the array holds the closure as it is (an array of bare
    /// closures re-wraps each, an allocation).
    private struct Ringer {
        let number: Int
        let ring: @Sendable () -> Void
    }

    public init() {}

    /// Calls `ring` at every commit and ``wake()`` from now on (on the worker's thread: it must
    /// not block or allocate); returns the number ``removeRinger(_:)`` takes.
    public func addRinger(_ ring: @escaping @Sendable () -> Void) -> Int {
        let number = nextRinger.add(1, ordering: .relaxed).newValue
        ringers.withLock { $0.append(Ringer(number: number, ring: ring)) }
        ringerCount.add(1, ordering: .sequentiallyConsistent)
        return number
    }

    /// Stops calling the ring `number`.
    public func removeRinger(_ number: Int) {
        let removed = ringers.withLock { list in
            let before = list.count
            list.removeAll { $0.number == number }
            return before - list.count
        }
        ringerCount.subtract(removed, ordering: .sequentiallyConsistent)
    }

    private func ringAll() {
        guard ringerCount.load(ordering: .sequentiallyConsistent) > 0 else { return }
        ringers.withLock { list in for ringer in list { ringer.ring() } }
    }

    /// How many commits (and wakes) there have been: what a reader passes to ``wait(after:)``.
    public var generation: UInt64 { changes.load(ordering: .sequentiallyConsistent) }

    /// A shard's commit completed (its worker's thread).
    @inline(__always)
    func committed() {
        changes.add(1, ordering: .sequentiallyConsistent)
        if waiting.load(ordering: .sequentiallyConsistent) { resumeAll() }
        ringAll()
    }

    /// Lets every waiter go, commit or not.
    public func wake() {
        changes.add(1, ordering: .sequentiallyConsistent)
        resumeAll()
        ringAll()
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
