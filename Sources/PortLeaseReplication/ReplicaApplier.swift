import LeaseEngine
import LeaseLog
import PortLeaseServer
import PortLeaseSystem
import PortLeaseWire
import Synchronization

/// Applies a partner's records to one shard on a standby, in the partner shard's order.
///
/// Each batch goes to the shard worker as a control-queue change: the worker applies what is
/// ready (`LeaseEngine.isReplicaReady`), logs exactly that with its own batch, and reports
/// when it is durable. A record that must wait for another shard's release waits here, and
/// every later record of the shard waits behind it, so the shard's order holds.
///
/// Ownership: the waiting records are touched only inside the change, on the shard worker's
/// thread, one change at a time; the async side only awaits the outcome.
final class ReplicaApplier: @unchecked Sendable {
    let shard: Int
    private let worker: ShardWorker
    /// Records that could not be applied yet, oldest first (worker thread only).
    private var waiting: [LeaseRecord] = []
    private var waitingHead = 0

    /// The most records that may wait: past it they are dropped and the link ends (a partner
    /// whose shards stopped agreeing would otherwise grow this without bound). Nothing is
    /// lost: the standby's position stays at the last batch with nothing waiting, so the
    /// active sends them all again on the next connection.
    static let waitingLimit = 100_000

    init(shard: Int, worker: ShardWorker) {
        self.shard = shard
        self.worker = worker
    }

    /// What one batch came to.
    struct Outcome: Sendable {
        /// Records applied and durable.
        var applied: Int
        /// Records still waiting for another shard's change, after this batch.
        var waiting: Int
        /// More than ``waitingLimit`` waited, and they were dropped.
        var overflowed = false
    }

    /// Queues `records` on the worker, behind those already waiting, and returns as soon as
    /// the change is queued (changes run in the order they are queued): the ticket's
    /// ``Ticket/outcome()`` comes once what was applied is durable in this server's log. So
    /// the next frame's records can be queued, and logged with the same batch, before these
    /// are durable. Throws when the worker's queue stays full.
    func enqueue(
        _ records: [LeaseRecord], resumer: TicketResumer? = nil, whenDone: Ticket.Callback? = nil
    ) async throws -> Ticket {
        try await queue(resumer: resumer, whenDone: whenDone) { [self] engine, out in take(records, engine, into: &out)
        }
    }

    /// Queues a whole snapshot of `pools`, as one change: first the end of every lease held
    /// here in them that the snapshot's `records` do not name with the same port set (its end
    /// was folded into the snapshot), then the records, behind those already waiting. The
    /// snapshot is in address order, not in the order things happened, so applied one by one
    /// a record could wait for a lease that only the end step removes. `applied` counts the
    /// ended leases and the records applied.
    func enqueueSnapshot(
        _ records: [LeaseRecord], resetting pools: Set<Int>, resumer: TicketResumer? = nil,
        whenDone: Ticket.Callback? = nil
    ) async throws -> Ticket {
        var keep: [ClientKey: LeaseRecord] = [:]
        for record in records where record.event == .bind || record.event == .renew { keep[record.clientKey] = record }
        return try await queue(resumer: resumer, whenDone: whenDone) { [self, keep] engine, out in
            // What waited is older than the snapshot, which has its outcome.
            forgetWaiting()
            let ended = engine.endReplicaLeases(
                inPools: pools, except: keep, now: SystemClock.wallClockMilliseconds(), records: &out)
            var outcome = take(records, engine, into: &out)
            outcome.applied += ended
            return outcome
        }
    }

    /// Queues forgetting the records still waiting from an earlier connection: the standby's
    /// position stayed before them, so the new connection sends them again.
    func enqueueFreshStart() async throws -> Ticket {
        try await queue { [self] _, _ in
            forgetWaiting()
            return Outcome(applied: 0, waiting: 0)
        }
    }

    /// Queues a wait and nothing else: its ticket completes once everything the worker logged
    /// before the wait is durable. A standby handing a group back reads its log after it, so the
    /// leases granted in the batches before the group fell silent are in what it reads.
    func enqueueBarrier() async throws -> Ticket {
        try await queue(barrier: true) { _, _ in Outcome(applied: 0, waiting: 0) }
    }

    /// Worker thread: drops every waiting record.
    private func forgetWaiting() {
        waiting.removeAll()
        waitingHead = 0
    }

    /// Queues `body` on the worker as a control-queue change (retrying for about 4 s while
    /// the queue is full); its ticket completes once what it logged is durable (a `barrier`:
    /// once all the worker logged before it is, even when it logged nothing).
    private func queue(
        resumer: TicketResumer? = nil, whenDone: Ticket.Callback? = nil, barrier: Bool = false,
        _ body: @escaping @Sendable (LeaseEngine, inout [LeaseRecord]) -> Outcome
    ) async throws -> Ticket {
        let ticket = Ticket(resumer: resumer, whenDone: whenDone)
        let shard = shard
        // Made here, not on the worker: returning it from `apply` allocates nothing there.
        let finish: @Sendable (Bool) -> Void = { durable in
            ticket.complete(
                Self.checked(ticket.held ?? Outcome(applied: 0, waiting: 0), durable: durable, shard: shard))
        }
        for attempt in 0..<200 {
            let change = ControlQueue.Change(
                apply: { engine, out in
                    let outcome = body(engine, &out)
                    ticket.held = outcome
                    guard outcome.applied > 0 || barrier else {
                        finish(true)
                        return nil
                    }
                    return finish
                },
                refuse: { ticket.complete(.failure(ReplicationLink.Failure("shard \(shard): the worker is stopping"))) }
            )
            if worker.submitChange(change) { return ticket }
            try await Task.sleep(for: .milliseconds(min(1 + attempt, 20)))
        }
        throw ReplicationLink.Failure("shard \(shard): its control queue stayed full")
    }

    private static func checked(_ outcome: Outcome, durable: Bool, shard: Int) -> Result<Outcome, any Error> {
        guard durable else {
            return .failure(ReplicationLink.Failure("shard \(shard): the commit of replicated records failed"))
        }
        guard !outcome.overflowed else {
            return .failure(
                ReplicationLink.Failure(
                    "shard \(shard): more than \(Self.waitingLimit) records waited for another shard's change; "
                        + "they are dropped and the link ends, to be sent again"))
        }
        return .success(outcome)
    }

    /// A queued change's outcome: completed by the worker (once durable, or refused), awaited
    /// by the replication link.
    final class Ticket: Sendable {
        /// Called once with the change's outcome (nil: it failed), on the thread that completes
        /// it (the worker's, at its commit), before anyone awaiting ``outcome()`` resumes.
        typealias Callback = @Sendable (Outcome?) -> Void

        private enum State {
            case pending(CheckedContinuation<Result<Outcome, any Error>, Never>?)
            case done(Result<Outcome, any Error>)
        }
        private let state = Mutex(State.pending(nil))
        private let whenDone: Callback?
        /// Where a waiter is resumed from, when not from the completing thread.
        private let resumer: TicketResumer?
        /// The change's outcome, kept by the worker when it applies the change, until its commit
        /// completes the ticket (worker thread only).
        nonisolated(unsafe) var held: Outcome?

        init(resumer: TicketResumer? = nil, whenDone: Callback? = nil) {
            self.resumer = resumer
            self.whenDone = whenDone
        }

        fileprivate func complete(_ result: Result<Outcome, any Error>) {
            let (first, waiter) = state.withLock {
                state -> (Bool, CheckedContinuation<Result<Outcome, any Error>, Never>?) in
                guard case .pending(let waiter) = state else { return (false, nil) }
                state = .done(result)
                return (true, waiter)
            }
            guard first else { return }
            whenDone?(try? result.get())
            guard let waiter else { return }
            if let resumer { resumer.post(waiter, result) } else { waiter.resume(returning: result) }
        }

        /// Waits until the change is durable (or failed).
        func outcome() async throws -> Outcome {
            let result = await withCheckedContinuation { continuation in
                let ready: Result<Outcome, any Error>? = state.withLock { state in
                    if case .done(let result) = state { return result }
                    state = .pending(continuation)
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
            return try result.get()
        }
    }

    /// Worker thread: queues `records` behind the waiting ones and applies every ready one.
    private func take(_ records: [LeaseRecord], _ engine: LeaseEngine, into out: inout [LeaseRecord]) -> Outcome {
        waiting.append(contentsOf: records)
        var applied = 0
        while waitingHead < waiting.count && engine.isReplicaReady(waiting[waitingHead]) {
            if !engine.isReplicaSuperseded(waiting[waitingHead]) {
                engine.replay(waiting[waitingHead])
                out.append(waiting[waitingHead])
                applied += 1
            }
            waitingHead += 1
        }
        if waitingHead == waiting.count {
            waiting.removeAll(keepingCapacity: true)
            waitingHead = 0
        } else if waiting.count - waitingHead > Self.waitingLimit {
            waiting.removeAll()
            waitingHead = 0
            return Outcome(applied: applied, waiting: 0, overflowed: true)
        } else if waitingHead > 1024 && waitingHead * 2 > waiting.count {
            waiting.removeFirst(waitingHead)
            waitingHead = 0
        }
        return Outcome(applied: applied, waiting: waiting.count - waitingHead)
    }
}
