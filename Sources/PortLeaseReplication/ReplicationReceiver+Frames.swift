import LeaseLog
import NIOCore
import PortLeaseSystem
import PortLeaseWire
import Synchronization

/// The standby's frame loop, pipelined: a frame's records are queued on their shard's worker
/// as soon as the frame arrives, and acknowledged once durable by that shard's acknowledging
/// task, in the order they were queued. So the next frames (of this shard, logged in the same
/// batch, or of another shard, logged in parallel) never wait for this frame's sync.
extension ReplicationReceiver {
    /// A change queued on a shard's worker, which that shard's acknowledging task awaits.
    struct Pending: Sendable {
        enum Kind: Sendable {
            /// A `records` frame: acknowledged through `through`.
            case records
            /// Records of a snapshot, or another try at those waiting: neither the position moves
            /// nor an acknowledgement goes.
            case unacknowledged
            /// The end of a snapshot whose records named `leases` clients.
            case snapshotEnd(leases: Int)
        }
        let ticket: ReplicaApplier.Ticket
        let through: UInt64
        let kind: Kind
    }

    /// The most frames of one shard queued and not yet durable: past it the reading waits, so
    /// a standby whose disk is slow holds its active back (synchronous mode) instead of
    /// queueing without bound.
    static let framesInFlight = 256

    /// Follows `instance`'s frames after `resume` until the connection ends or fails.
    func follow(
        _ instance: String, frames: NIOAsyncChannelInboundStream<ReplicationFrame>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ReplicationFrame>
    ) async throws {
        let shards = appliers.count
        let inFlight = FramesInFlight(shards: shards)
        let queues = (0..<shards).map { _ in AsyncStream.makeStream(of: Pending.self) }
        defer { queues.forEach { $0.continuation.finish() } }
        nonisolated(unsafe) var frames = frames
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for shard in 0..<shards {
                let queue = queues[shard].stream
                tasks.addTask {
                    for await pending in queue {
                        try await self.acknowledge(pending, shard: shard, from: instance, outbound: outbound)
                        inFlight.finished(shard)
                    }
                }
            }
            tasks.addTask {
                // Per shard in a snapshot: the clients its records named so far.
                var snapshots: [Int: Set<ClientKey>] = [:]
                while let frame = try await frames.next() {
                    self.lastHeard.heard(instance)
                    let shard: Int
                    let pending: Pending
                    switch frame {
                    case .records(let index, let through, let bytes):
                        shard = try self.shard(index)
                        let records = try bytes.withUnsafeBytes { (raw) throws -> [LeaseRecord] in
                            try RecordBytes.decode(raw)
                        }
                        if snapshots[shard] != nil {
                            for record in records { snapshots[shard]?.insert(record.clientKey) }
                        }
                        try await inFlight.waitForRoom(shard)
                        pending = Pending(
                            ticket: try await self.appliers[shard].enqueue(records), through: through,
                            kind: snapshots[shard] == nil ? .records : .unacknowledged)
                    case .snapshotBegins(let index, let through):
                        shard = try self.shard(index)
                        snapshots[shard] = []
                        self.logger.notice(
                            "catching up from the active's snapshot: its log no longer holds what this instance lacks",
                            metadata: [
                                "partner": "\(instance)", "shard": "\(shard)", "through": "\(through)",
                                "position": "\(self.positions.positions(of: instance)[shard])",
                            ])
                        continue
                    case .snapshotEnds(let index, let through):
                        shard = try self.shard(index)
                        guard let keep = snapshots.removeValue(forKey: shard) else {
                            throw ReplicationLink.Failure("the end of a snapshot of shard \(shard) that never began")
                        }
                        try await inFlight.waitForRoom(shard)
                        pending = Pending(
                            ticket: try await self.appliers[shard].enqueueEndOfLeases(
                                inPools: self.resetPools(followedFrom: instance), except: keep),
                            through: through, kind: .snapshotEnd(leases: keep.count))
                    case .heartbeat(let time):
                        let skew = time - SystemClock.wallClockMilliseconds()
                        if self.status.setClockSkew(instance, milliseconds: skew) {
                            self.logger.warning(
                                "the active's clock is off from this one: lease times are its clock's",
                                metadata: [
                                    "partner": "\(instance)", "skew-ms": "\(skew)",
                                    "warn-above-ms": "\(RedundancyStatus.clockSkewWarning)",
                                ])
                        }
                        try self.positions.flush()
                        // A quiet active: records waiting for another shard get another try.
                        guard self.status.waiting > 0 else { continue }
                        for (index, applier) in self.appliers.enumerated() {
                            try await inFlight.waitForRoom(index)
                            let retry = Pending(
                                ticket: try await applier.enqueue([]), through: 0, kind: .unacknowledged)
                            queues[index].continuation.yield(retry)
                        }
                        continue
                    default:
                        throw ReplicationLink.Failure("unexpected frame \(frame) from \(instance)")
                    }
                    queues[shard].continuation.yield(pending)
                }
                throw ReplicationLink.Failure("\(instance) closed the connection")
            }
            try await tasks.next()
            tasks.cancelAll()
        }
    }

    private func shard(_ index: Int) throws -> Int {
        guard index < appliers.count else { throw ReplicationLink.Failure("shard \(index) out of range") }
        return index
    }

    /// Once `pending` is durable: the position moves and the active gets its acknowledgement.
    private func acknowledge(
        _ pending: Pending, shard: Int, from instance: String, outbound: NIOAsyncChannelOutboundWriter<ReplicationFrame>
    ) async throws {
        let outcome = try await pending.ticket.outcome()
        status.setWaiting(outcome.waiting)
        switch pending.kind {
        case .unacknowledged:
            status.add(.recordsApplied, outcome.applied)
            return
        case .records:
            status.add(.recordsApplied, outcome.applied)
            if outcome.waiting == 0 { try positions.advance(instance, shard: shard, to: pending.through) }
        case .snapshotEnd(let leases):
            if outcome.waiting == 0 { try positions.advance(instance, shard: shard, to: pending.through) }
            try positions.flush()
            logger.notice(
                "caught up from the active's snapshot",
                metadata: [
                    "partner": "\(instance)", "shard": "\(shard)", "leases": "\(leases)",
                    "through": "\(pending.through)",
                ])
        }
        try await outbound.write(.ack(shard: shard, through: pending.through))
    }
}

/// How many frames of each shard are queued and not yet durable (at most
/// ``ReplicationReceiver/framesInFlight``).
final class FramesInFlight: Sendable {
    private let counts: Mutex<[Int]>

    init(shards: Int) {
        counts = Mutex([Int](repeating: 0, count: shards))
    }

    /// Counts a frame of `shard` in flight, once fewer than the limit are.
    func waitForRoom(_ shard: Int) async throws {
        while !counts.withLock({ counts in
            guard counts[shard] < ReplicationReceiver.framesInFlight else { return false }
            counts[shard] += 1
            return true
        }) {
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    func finished(_ shard: Int) {
        counts.withLock { $0[shard] -= 1 }
    }
}
