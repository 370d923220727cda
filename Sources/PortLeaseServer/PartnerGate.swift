import PortSetPool
import Synchronization

/// The pipelined commit's second acknowledgement: with a hot standby in synchronous mode, a
/// reply whose records are durable here still waits until the standby has them durably too.
///
/// Per shard, the sequence number through which replies may leave as far as the partner is
/// concerned: the standby's last acknowledgement while the link is up, or `UInt64.max` (no
/// wait) while it is down or the mode is asynchronous, so that a lost standby never stops
/// this server answering (the state is counted and shown as `communications-interrupted`).
///
/// Written by the replication sender on the control plane; read by the shard workers, which
/// it wakes when it moves, so that replies held for the standby leave at once.
public final class PartnerGate: Sendable {
    private let bounds: AtomicWords
    /// Moves on every change, so that a sleeping worker can tell one happened.
    private let changes = Atomic<Int>(0)
    private let signals: Mutex<[WorkerSignal]>

    /// A gate over `shards` shards, open (no wait) until ``hold(_:through:)``.
    public init(shards: Int) {
        bounds = AtomicWords(count: shards)
        for shard in 0..<shards { bounds.base[shard].store(.max, ordering: .relaxed) }
        signals = Mutex([])
    }

    /// The last sequence number of `shard` whose replies the partner lets go.
    @inline(__always)
    public func through(_ shard: Int) -> UInt64 {
        bounds.base[shard].load(ordering: .acquiring)
    }

    /// How many times the gate has moved (a worker compares it across a sleep).
    @inline(__always)
    var generation: Int { changes.load(ordering: .acquiring) }

    /// Lets `shard`'s replies through `sequence` go (the standby acknowledged it), and
    /// wakes the workers.
    public func hold(_ shard: Int, through sequence: UInt64) {
        bounds.base[shard].store(sequence, ordering: .releasing)
        moved()
    }

    /// Opens every shard: replies wait for nothing but this server's own commit.
    public func open() {
        for shard in 0..<bounds.count { bounds.base[shard].store(.max, ordering: .releasing) }
        moved()
    }

    /// The workers to wake when the gate moves (the server, once they exist).
    func attach(_ workers: [WorkerSignal]) {
        signals.withLock { $0 = workers }
    }

    private func moved() {
        changes.add(1, ordering: .releasing)
        for signal in signals.withLock({ $0 }) { signal.notify() }
    }
}
