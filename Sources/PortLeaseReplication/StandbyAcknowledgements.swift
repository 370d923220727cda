import PortLeaseServer
import PortLeaseSystem
import Synchronization

/// How far each standby has acknowledged each shard: the active's compaction limit, so that
/// no record a standby still needs is folded away (`DESIGN.md`: nothing not yet replicated is
/// deleted locally). Created before the server starts, so compaction holds back from its
/// first pass; a standby not heard from yet holds everything.
///
/// With synchronous replication it also works out the ``PartnerGate``: the standbys that are
/// caught up and connected hold replies back to what they have acknowledged.
///
/// A standby that is away holds compaction back for `holdNanoseconds` from when it was last
/// connected (or from the start), and no longer: a standby gone for good must not fill the
/// active's disk. Once it is back it catches up from the snapshot if its records were folded.
public final class StandbyAcknowledgements: Sendable {
    private let positions: Mutex<[String: [UInt64]]>
    /// The standbys whose acknowledgement replies wait for now.
    private let gating = Mutex<Set<String>>([])
    /// Per standby: connected now, or when it was last (monotonic nanoseconds).
    private let contact: Mutex<[String: Contact]>
    private let holdNanoseconds: UInt64
    /// Held while a gate's bound is worked out and stored (``updateGate(_:shard:)``).
    private let gateUpdate = Mutex(())

    private enum Contact {
        case connected
        case lost(at: UInt64)
    }

    /// Nothing acknowledged yet by `standbys`, over `shards` shards; an absent standby holds
    /// compaction for `holdMilliseconds`.
    public init(standbys: [String], shards: Int, holdMilliseconds: Int = 3_600_000) {
        positions = Mutex(Dictionary(uniqueKeysWithValues: standbys.map { ($0, Array(repeating: 0, count: shards)) }))
        let now = SystemClock.monotonicNanoseconds()
        contact = Mutex(Dictionary(uniqueKeysWithValues: standbys.map { ($0, Contact.lost(at: now)) }))
        holdNanoseconds = UInt64(max(0, holdMilliseconds)) * 1_000_000
    }

    /// Records that `standby`'s link is up (true) or is down (false): the hold runs from the
    /// moment a link that was up went down (or from the start), not from each failed attempt.
    func setConnected(_ standby: String, _ connected: Bool) {
        contact.withLock { contact in
            if connected {
                contact[standby] = .connected
            } else if case .connected = contact[standby] {
                contact[standby] = .lost(at: SystemClock.monotonicNanoseconds())
            }
        }
    }

    /// Records `standby`'s positions as its resume named them.
    func reset(_ standby: String, to values: [UInt64]) {
        positions.withLock { $0[standby] = values }
    }

    /// Records `standby`'s acknowledgement of `shard` through `sequence`.
    func acknowledge(_ standby: String, shard: Int, through sequence: UInt64) {
        positions.withLock { positions in
            guard var values = positions[standby], shard < values.count else { return }
            values[shard] = max(values[shard], sequence)
            positions[standby] = values
        }
    }

    /// The last record of `shard` that `standby` has acknowledged.
    func position(_ standby: String, _ shard: Int) -> UInt64 {
        positions.withLock { positions in positions[standby].map { shard < $0.count ? $0[shard] : 0 } ?? 0 }
    }

    /// Makes replies wait for `standby` (true: it is connected and caught up) or not.
    func setGating(_ standby: String, _ gates: Bool) {
        gating.withLock { if gates { $0.insert(standby) } else { $0.remove(standby) } }
    }

    /// Through which sequence number `shard`'s replies may leave: the least acknowledgement of
    /// the gating standbys, or `UInt64.max` when none gates.
    func gateBound(_ shard: Int) -> UInt64 {
        let gates = gating.withLock { $0 }
        return positions.withLock { positions in
            gates.compactMap { positions[$0] }.map { shard < $0.count ? $0[shard] : 0 }.min() ?? .max
        }
    }

    /// Moves `gate`'s bound for `shard` to ``gateBound(_:)``. Working the bound out and storing
    /// it happen under one lock: acknowledgements are taken on the event loop and gating
    /// changes on tasks, and a bound worked out before a change but stored after the bound of
    /// that change would hold replies back until the next acknowledgement, which may never come.
    func updateGate(_ gate: PartnerGate, shard: Int) {
        gateUpdate.withLock { _ in gate.hold(shard, through: gateBound(shard)) }
    }

    /// The last record of `shard` every standby that holds compaction has: how far
    /// compaction may fold it (`UInt64.max` when none holds it).
    public func limit(_ shard: Int) -> UInt64 {
        let now = SystemClock.monotonicNanoseconds()
        let holding = contact.withLock { contact in
            Set(
                contact.compactMap { standby, state in
                    switch state {
                    case .connected: return standby
                    case .lost(let at): return now < at || now - at < holdNanoseconds ? standby : nil
                    }
                })
        }
        return positions.withLock { positions in
            positions.filter { holding.contains($0.key) }.values.map { shard < $0.count ? $0[shard] : 0 }.min()
                ?? UInt64.max
        }
    }
}
