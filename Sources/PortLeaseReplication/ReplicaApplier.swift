import LeaseEngine
import LeaseLog
import PortLeaseServer
import PortLeaseSystem
import PortLeaseWire

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

    /// Applies `records` after those already waiting; returns once what was applied is
    /// durable in this server's log. Throws when the worker refused the change (it is
    /// ending, or its queue stayed full) or its commit failed.
    func apply(_ records: [LeaseRecord]) async throws -> Outcome {
        try await submit { [self] engine, out in take(records, engine, into: &out) }
    }

    /// After a snapshot: ends the leases of `pools` held here whose client `keep` does not name
    /// (their end was folded into the snapshot), then applies what waited for their port
    /// sets. Returns once durable; `applied` counts the ended leases and the records applied.
    func endLeases(inPools pools: Set<Int>, except keep: Set<ClientKey>) async throws -> Outcome {
        try await submit { [self] engine, out in
            let ended = engine.endReplicaLeases(
                inPools: pools, except: keep, now: SystemClock.wallClockMilliseconds(), records: &out)
            var outcome = take([], engine, into: &out)
            outcome.applied += ended
            return outcome
        }
    }

    /// Runs `body` on the worker as a control-queue change and waits until what it logged is
    /// durable.
    private func submit(
        _ body: @escaping @Sendable (LeaseEngine, inout [LeaseRecord]) -> Outcome
    ) async throws -> Outcome {
        for attempt in 0..<200 {
            let submitted: Submission = await withCheckedContinuation { continuation in
                let change = ControlQueue.Change(
                    apply: { engine, out in
                        let outcome = body(engine, &out)
                        guard outcome.applied > 0 else {
                            continuation.resume(returning: .done(outcome, durable: true))
                            return nil
                        }
                        return { durable in continuation.resume(returning: .done(outcome, durable: durable)) }
                    },
                    refuse: { continuation.resume(returning: .refused) })
                if !worker.submitChange(change) { continuation.resume(returning: .full) }
            }
            switch submitted {
            case .done(let outcome, let durable):
                guard durable else {
                    throw ReplicationLink.Failure("shard \(shard): the commit of replicated records failed")
                }
                guard !outcome.overflowed else {
                    throw ReplicationLink.Failure(
                        "shard \(shard): more than \(Self.waitingLimit) records waited for another shard's change; "
                            + "they are dropped and the link ends, to be sent again")
                }
                return outcome
            case .refused:
                throw ReplicationLink.Failure("shard \(shard): the worker is stopping")
            case .full:
                try await Task.sleep(for: .milliseconds(min(1 + attempt, 20)))
            }
        }
        throw ReplicationLink.Failure("shard \(shard): its control queue stayed full")
    }

    private enum Submission: Sendable {
        case done(Outcome, durable: Bool)
        case refused
        case full
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
