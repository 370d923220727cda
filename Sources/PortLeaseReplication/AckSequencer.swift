import Synchronization

/// One shard's acknowledgements on a standby, due the moment a frame's records are durable: the
/// thread that makes them so (the shard worker, completing its commit) notes the acknowledgement
/// and rings the event loop's doorbell (`EventLoopDoorbell`: no allocation on the worker), and
/// the loop writes it (``takeDue()``), in the order the frames arrived.
///
/// Why not from the acknowledging task: that took two more thread hand-offs per frame (the
/// worker resuming the task on the cooperative pool, the task handing the write to the event
/// loop), about half of the active's wait for its standby on a loaded machine (ARCHITECTURE.md,
/// "Synchronous replication's round trip"). The acknowledging task still moves the positions
/// and the counters, off the worker.
///
/// Frames may become durable out of order (one that applied nothing completes at once), so
/// each is reserved when queued and an acknowledgement goes only through the oldest run of
/// finished frames. A frame whose records (some of them) still wait for another shard's
/// change is not acknowledged when it finishes: they are not in the log yet. The first later
/// change that leaves nothing waiting (a frame, or the heartbeat's retry) acknowledges it with
/// its own. After a failed one, nothing more is acknowledged: the link ends and the active
/// sends again from the last position.
///
/// Memory: at most ``ReplicationReceiver/framesInFlight`` entries (the reader reserves one per
/// frame it queues, and waits for room first); the array keeps its capacity.
final class AckSequencer: Sendable {
    private struct Entry {
        var number: UInt64
        var through: UInt64
        var acknowledges: Bool
        var finished = false
        /// Nothing of the shard waited when it finished.
        var settled = false
    }

    private struct State {
        var entries: [Entry] = []
        var next: UInt64 = 0
        var failed = false
        var acknowledged: UInt64 = 0
        /// The last frame finished while records waited: acknowledged once none wait.
        var unsettled: UInt64?
        /// An acknowledgement due and not yet taken by the loop (the latest covers the others).
        var due: UInt64?
    }

    private let state = Mutex(State())
    private let shard: Int
    /// Tells the event loop an acknowledgement is due (any thread; must not block or allocate).
    private let ring: @Sendable () -> Void

    init(shard: Int, ring: @escaping @Sendable () -> Void) {
        self.shard = shard
        self.ring = ring
    }

    /// The acknowledgement due, if any, once: the loop writes it.
    func takeDue() -> ReplicationFrame? {
        state.withLock { state in
            defer { state.due = nil }
            return state.due.map { .ack(shard: shard, through: $0) }
        }
    }

    /// Reserves the next frame's place: `through` is acknowledged once it and every frame
    /// before it are durable (`acknowledges` false: a retry that moves nothing).
    func reserve(through: UInt64, acknowledges: Bool) -> UInt64 {
        state.withLock { state in
            state.entries.append(Entry(number: state.next, through: through, acknowledges: acknowledges))
            state.next += 1
            return state.next - 1
        }
    }

    /// Frame `number`'s change is durable with `outcome` (nil: its commit failed). Makes the
    /// acknowledgement the oldest finished frames allow due, and rings.
    func finished(_ number: UInt64, outcome: ReplicaApplier.Outcome?) {
        let due = state.withLock { state -> Bool in
            guard let outcome else {
                state.failed = true
                return false
            }
            guard let index = state.entries.firstIndex(where: { $0.number == number }) else { return false }
            state.entries[index].finished = true
            state.entries[index].settled = outcome.waiting == 0
            var through: UInt64?
            var done = 0
            while done < state.entries.count && state.entries[done].finished {
                let entry = state.entries[done]
                if entry.acknowledges { state.unsettled = entry.through }
                if entry.settled, let due = state.unsettled {
                    through = due
                    state.unsettled = nil
                }
                done += 1
            }
            state.entries.removeFirst(done)
            guard !state.failed, let through, through > state.acknowledged else { return false }
            state.acknowledged = through
            state.due = through
            return true
        }
        if due { ring() }
    }
}
