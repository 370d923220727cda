import Synchronization

/// Resumes the tasks awaiting `ReplicaApplier.Ticket`s from the event loop instead of from the
/// shard worker that completes them: resuming a task that prefers the loop allocates a task on
/// the resuming thread, and a worker is the packet path. The worker posts the waiter and its
/// result (kept in memory the resumer reuses) and rings the connection's doorbell; the loop's
/// answer calls ``resumeAll()``.
final class TicketResumer: Sendable {
    typealias Waiter = CheckedContinuation<Result<ReplicaApplier.Outcome, any Error>, Never>
    private let posted: Mutex<[(Waiter, Result<ReplicaApplier.Outcome, any Error>)]>
    private let ring: @Sendable () -> Void

    /// `ring` wakes the loop (any thread; must not block or allocate).
    init(ring: @escaping @Sendable () -> Void) {
        var list: [(Waiter, Result<ReplicaApplier.Outcome, any Error>)] = []
        list.reserveCapacity(4 * ReplicationReceiver.framesInFlight)
        posted = Mutex(list)
        self.ring = ring
    }

    /// Worker side: `waiter` is to resume with `result`.
    func post(_ waiter: Waiter, _ result: Result<ReplicaApplier.Outcome, any Error>) {
        posted.withLock { $0.append((waiter, result)) }
        ring()
    }

    /// Loop side: resumes every waiter posted so far, in the order they were posted.
    func resumeAll() {
        let due = posted.withLock { list in
            defer { list.removeAll(keepingCapacity: true) }
            return list
        }
        for (waiter, result) in due { waiter.resume(returning: result) }
    }
}
