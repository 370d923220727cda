import LeaseLog
import NIOCore
import PortLeaseControlPlane
import PortLeaseSystem
import PortLeaseWire
import Synchronization

/// The standby's frame loop, pipelined: a frame's records are queued on their shard's worker
/// as soon as the frame arrives, and acknowledged once durable, in the order they were queued,
/// by the shard's ``AckSequencer``; the shard's accounting task then moves the position. So the next frames (of this shard, logged in the same
/// batch, or of another shard, logged in parallel) never wait for this frame's sync.
extension ReplicationReceiver {
    /// A change queued on a shard's worker, which that shard's acknowledging task awaits.
    struct Pending: Sendable {
        enum Kind: Sendable {
            /// A `records` frame: acknowledged through `through`.
            case records
            /// Another try at the records waiting: neither the position moves nor an
            /// acknowledgement goes.
            case unacknowledged
            /// The end of a snapshot whose records named `leases` clients.
            case snapshotEnd(leases: Int)

            var isRetry: Bool {
                if case .unacknowledged = self { return true }
                return false
            }
        }
        let ticket: ReplicaApplier.Ticket
        let through: UInt64
        let kind: Kind
    }

    /// The most frames of one shard queued and not yet durable: past it the reading waits, so
    /// a standby whose disk is slow holds its active back (synchronous mode) instead of
    /// queueing without bound. Well under a worker's control queue (64), which the control
    /// API and the shards' handovers share.
    static let framesInFlight = 32

    /// Follows `instance`'s frames after `resume` until the connection ends or fails. When the
    /// reading ends, what was already queued is still acknowledged, or at least its position
    /// kept, so the next connection does not send it again; a failed commit ends it all.
    func follow(
        _ instance: String, frames: NIOAsyncChannelInboundStream<ReplicationFrame>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ReplicationFrame>, channel: any Channel
    ) async throws {
        let shards = appliers.count
        let pipelines = ShardPipelines(shards: shards)
        // The workers ring when acknowledgements are due; the loop writes them.
        let list = SequencerList()
        let doorbell = try await EventLoopDoorbell(on: channel.eventLoop) {
            list.resumer?.resumeAll()
            for sequencer in list.all {
                if let frame = sequencer.takeDue() { channel.writeAndFlush(frame, promise: nil) }
            }
        }
        defer { doorbell.close() }
        let sequencers = (0..<shards).map { shard in AckSequencer(shard: shard, ring: doorbell.ring) }
        list.all = sequencers
        let resumer = TicketResumer(ring: doorbell.ring)
        list.resumer = resumer
        let queues = (0..<shards).map { _ in AsyncStream.makeStream(of: Pending.self) }
        // Records still waiting from an earlier connection come again on this one.
        for applier in appliers { _ = try await applier.enqueueFreshStart() }
        nonisolated(unsafe) var frames = frames
        let failure: (any Error)? = await withTaskGroup(of: (reader: Bool, error: (any Error)?).self) { tasks in
            for shard in 0..<shards {
                let queue = queues[shard].stream
                tasks.addTask {
                    do {
                        var unsettled: UInt64?
                        for await pending in queue {
                            try await self.account(
                                pending, shard: shard, from: instance, pipelines, unsettled: &unsettled)
                        }
                        return (false, nil)
                    } catch {
                        return (false, error)
                    }
                }
            }
            tasks.addTask {
                defer { queues.forEach { $0.continuation.finish() } }
                do {
                    try await self.read(
                        &frames, from: instance, outbound, channel, pipelines, sequencers, resumer,
                        queues.map(\.continuation))
                    return (true, ReplicationLink.Failure("\(instance) closed the connection"))
                } catch {
                    return (true, error)
                }
            }
            var first: (reader: Bool, error: any Error)?
            for await (reader, error) in tasks {
                guard let error else { continue }
                // An acknowledging task failed (a commit, or a worker stopping): stop reading.
                if !reader { tasks.cancelAll() }
                if first == nil || (first?.reader == true && !reader) { first = (reader, error) }
            }
            return first?.error
        }
        if let failure { throw failure }
    }

    /// Reads frames until the connection ends, queueing each on its shard's worker (its
    /// acknowledgement reserved in the shard's ``AckSequencer``) and on the shard's queue.
    private func read(
        _ frames: inout NIOAsyncChannelInboundStream<ReplicationFrame>.AsyncIterator, from instance: String,
        _ outbound: NIOAsyncChannelOutboundWriter<ReplicationFrame>, _ channel: any Channel,
        _ pipelines: ShardPipelines,
        _ sequencers: [AckSequencer], _ resumer: TicketResumer,
        _ queues: [AsyncStream<Pending>.Continuation]
    ) async throws {
        // Per shard in a snapshot: its records so far, applied as one change at its end.
        var snapshots: [Int: [LeaseRecord]] = [:]
        while let frame = try await frames.next() {
            lastHeard.heard(instance)
            switch frame {
            case .records(let index, let through, let bytes):
                let shard = try self.shard(index)
                let records = staleGrants.filter(
                    try bytes.withUnsafeBytes { (raw) throws -> [LeaseRecord] in try RecordBytes.decode(raw) })
                if snapshots[shard] != nil {
                    snapshots[shard]?.append(contentsOf: records)
                    continue
                }
                try await pipelines.waitForRoom(shard)
                let place = sequencers[shard].reserve(through: through, acknowledges: true)
                let ticket = try await appliers[shard].enqueue(records, resumer: resumer) {
                    sequencers[shard].finished(place, outcome: $0)
                }
                queues[shard].yield(Pending(ticket: ticket, through: through, kind: .records))
                try await retryWaiting(except: shard, pipelines, sequencers, resumer, queues)
            case .snapshotBegins(let index, let through):
                let shard = try self.shard(index)
                snapshots[shard] = []
                logger.notice(
                    "catching up from the active's snapshot: its log no longer holds what this instance lacks",
                    metadata: [
                        "partner": "\(instance)", "shard": "\(shard)", "through": "\(through)",
                        "position": "\(positions.positions(of: instance)[shard])",
                    ])
            case .snapshotEnds(let index, let through):
                let shard = try self.shard(index)
                guard let records = snapshots.removeValue(forKey: shard) else {
                    throw ReplicationLink.Failure("the end of a snapshot of shard \(shard) that never began")
                }
                try await pipelines.waitForRoom(shard)
                let place = sequencers[shard].reserve(through: through, acknowledges: true)
                let ticket = try await appliers[shard].enqueueSnapshot(
                    records, resetting: resetPools(followedFrom: instance), resumer: resumer
                ) { sequencers[shard].finished(place, outcome: $0) }
                let leases = records.count { $0.event == .bind || $0.event == .renew }
                queues[shard].yield(Pending(ticket: ticket, through: through, kind: .snapshotEnd(leases: leases)))
                try await retryWaiting(except: shard, pipelines, sequencers, resumer, queues)
            case .failback(let groups, let through):
                try await handBack(
                    groups, through: through, to: instance, outbound: outbound, link: ObjectIdentifier(channel))
            case .refuse(let reason):
                // The active gave a failback up (it could not apply the leases): serve again.
                abandonHandBack(
                    groups(followedFrom: instance).map(\.name), from: instance, on: ObjectIdentifier(channel),
                    because: "the active gave the failback up: \(reason)")
            case .failbackDone(let groups):
                try await finishHandBack(groups, from: instance, outbound: outbound, link: ObjectIdentifier(channel))
            case .caughtUp:
                try await withTaskExecutorPreference(globalConcurrentExecutor) {
                    try self.positions.setCaughtUp(with: instance, true)
                }
                logger.notice("caught up with the active", metadata: ["partner": "\(instance)"])
            case .heartbeat(let time):
                let skew = time.subtractingReportingOverflow(SystemClock.wallClockMilliseconds())
                let milliseconds = skew.overflow ? (time < 0 ? Int64.min / 2 : Int64.max / 2) : skew.partialValue
                if status.setClockSkew(instance, milliseconds: milliseconds) {
                    logger.warning(
                        "the active's clock is off from this one: lease times are its clock's",
                        metadata: [
                            "partner": "\(instance)", "skew-ms": "\(milliseconds)",
                            "warn-above-ms": "\(RedundancyStatus.clockSkewWarning)",
                        ])
                }
                // A quiet active: records waiting for another shard's change get another try.
                try await retryWaiting(except: nil, pipelines, sequencers, resumer, queues)
            default:
                throw ReplicationLink.Failure("unexpected frame \(frame) from \(instance)")
            }
        }
    }

    /// Gives records that wait for another shard's change another try, on every shard but
    /// `skipped` that has some waiting and no retry queued yet: after each frame of another
    /// shard (which may hold that change) and at each heartbeat. Without it a shard whose
    /// active has nothing more to log would hold its waiting records, and (synchronous mode)
    /// its replies, until the active fell quiet enough to send a heartbeat.
    private func retryWaiting(
        except skipped: Int?, _ pipelines: ShardPipelines, _ sequencers: [AckSequencer],
        _ resumer: TicketResumer, _ queues: [AsyncStream<Pending>.Continuation]
    ) async throws {
        for shard in 0..<appliers.count where shard != skipped && pipelines.claimRetry(shard) {
            try await pipelines.waitForRoom(shard)
            let place = sequencers[shard].reserve(through: 0, acknowledges: false)
            let retry = try await appliers[shard].enqueue([], resumer: resumer) {
                sequencers[shard].finished(place, outcome: $0)
            }
            queues[shard].yield(Pending(ticket: retry, through: 0, kind: .unacknowledged))
        }
    }

    private func shard(_ index: Int) throws -> Int {
        guard index < appliers.count else { throw ReplicationLink.Failure("shard \(index) out of range") }
        return index
    }

    /// Once `pending` is durable: the position moves (the active has had its acknowledgement
    /// from the shard's ``AckSequencer`` already, if the connection is still there). A frame
    /// finished while records waited moves it only once none wait (`unsettled`), as its
    /// acknowledgement does.
    private func account(
        _ pending: Pending, shard: Int, from instance: String, _ pipelines: ShardPipelines,
        unsettled: inout UInt64?
    ) async throws {
        let outcome = try await pending.ticket.outcome()
        pipelines.finished(shard, waiting: outcome.waiting, retry: pending.kind.isRetry)
        status.setWaiting(pipelines.totalWaiting)
        status.add(.recordsApplied, outcome.applied)
        if !pending.kind.isRetry { unsettled = pending.through }
        if outcome.waiting == 0, let through = unsettled {
            positions.advance(instance, shard: shard, to: through)
            unsettled = nil
        }
        switch pending.kind {
        case .unacknowledged, .records:
            return
        case .snapshotEnd(let leases):
            logger.notice(
                "caught up from the active's snapshot",
                metadata: [
                    "partner": "\(instance)", "shard": "\(shard)", "leases": "\(leases)",
                    "through": "\(pending.through)", "waiting": "\(outcome.waiting)",
                ])
        }
    }
}

/// Per shard: how many frames are queued and not yet durable (at most
/// ``ReplicationReceiver/framesInFlight``), how many records wait for another shard's change,
/// and whether a retry of them is queued.
final class ShardPipelines: Sendable {
    private let state: Mutex<(inFlight: [Int], waiting: [Int], retrying: [Bool])>

    init(shards: Int) {
        state = Mutex(
            (
                [Int](repeating: 0, count: shards), [Int](repeating: 0, count: shards),
                [Bool](repeating: false, count: shards)
            ))
    }

    /// Whether `shard` has records waiting and no retry queued; if so, one now counts as queued.
    func claimRetry(_ shard: Int) -> Bool {
        state.withLock { state in
            guard state.waiting[shard] > 0, !state.retrying[shard] else { return false }
            state.retrying[shard] = true
            return true
        }
    }

    /// Counts a frame of `shard` in flight, once fewer than the limit are.
    func waitForRoom(_ shard: Int) async throws {
        while !state.withLock({ state in
            guard state.inFlight[shard] < ReplicationReceiver.framesInFlight else { return false }
            state.inFlight[shard] += 1
            return true
        }) {
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    /// A frame of `shard` (a `retry`, or not) is durable; `waiting` records of the shard still wait.
    func finished(_ shard: Int, waiting: Int, retry: Bool) {
        state.withLock { state in
            state.inFlight[shard] -= 1
            state.waiting[shard] = waiting
            if retry { state.retrying[shard] = false }
        }
    }

    func waiting(_ shard: Int) -> Int { state.withLock { $0.waiting[shard] } }

    var totalWaiting: Int { state.withLock { $0.waiting.reduce(0, +) } }
}

/// The sequencers of one connection, for its doorbell's answer: set once, before any frame is
/// queued (so before any ring), and only read after.
final class SequencerList: @unchecked Sendable {
    var all: [AckSequencer] = []
    var resumer: TicketResumer?
}
