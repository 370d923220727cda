import LeaseEngine
import LeaseLog
import PortLeaseWire

/// Subscriber reservations taken over across shards (``ReservationHolders``): a query on this
/// shard found the subscriber's reservation held by a client on another shard, and the engine
/// asked for a handover. The holder's shard ends that lease with a `forcedRelease` record, as a
/// control-plane change through its ``ControlQueue``, so no engine is touched off its thread.
extension ShardWorker {
    /// Another shard's queue and wake-up, for the handovers this worker sends it.
    public struct Peer: Sendable {
        let control: ControlQueue
        let signal: WorkerSignal
    }

    /// Each worker of a server, as a peer of every other (set before the threads start).
    public static func connect(_ workers: [ShardWorker]) {
        let peers = workers.map { Peer(control: $0.control, signal: $0.signal) }
        for worker in workers { worker.peers = peers }
    }

    /// Sends the handovers the engine asked for in this batch to the holders' shards. Rare (a
    /// replaced CPE); a full queue drops one, and the client's next retransmission asks again.
    func sendHandovers() {
        let handovers = engine.takeHandovers()
        guard !handovers.isEmpty, !peers.isEmpty else { return }
        for (binding, holder) in handovers {
            let peer = peers[ShardChoice.shard(of: holder, shardCount: peers.count)]
            let change = ControlQueue.Change(
                apply: { engine, records in
                    _ = engine.yieldReservation(
                        binding, heldBy: holder, now: SystemCalls.nowMilliseconds(), records: &records)
                    return nil
                },
                refuse: {})
            if peer.control.submitChange(change) { peer.signal.notify() }
        }
    }
}
