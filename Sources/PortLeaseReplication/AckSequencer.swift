import Synchronization

/// One shard's acknowledgements on a standby, written the moment they are due: by the thread
/// that makes a frame's records durable (the shard worker, completing its commit), in the
/// order the frames arrived.
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
    }

    private let state = Mutex(State())
    private let shard: Int
    /// Writes a frame to the link (any thread; it must not block).
    private let write: @Sendable (ReplicationFrame) -> Void

    init(shard: Int, write: @escaping @Sendable (ReplicationFrame) -> Void) {
        self.shard = shard
        self.write = write
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

    /// Frame `number`'s change is durable with `outcome` (nil: its commit failed). Writes the
    /// acknowledgement the oldest finished frames allow, under the lock, so that two threads
    /// never write them out of order.
    func finished(_ number: UInt64, outcome: ReplicaApplier.Outcome?) {
        state.withLock { state in
            guard let outcome else {
                state.failed = true
                return
            }
            guard let index = state.entries.firstIndex(where: { $0.number == number }) else { return }
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
            guard !state.failed, let through, through > state.acknowledged else { return }
            state.acknowledged = through
            write(.ack(shard: shard, through: through))
        }
    }
}
