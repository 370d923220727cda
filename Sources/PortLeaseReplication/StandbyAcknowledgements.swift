import Synchronization

/// How far each standby has acknowledged each shard: the active's compaction limit, so that
/// no record a standby still needs is folded away (`DESIGN.md`: nothing not yet replicated is
/// deleted locally). Created before the server starts, so compaction holds back from its
/// first pass; a standby not heard from yet holds everything.
///
/// With synchronous replication it also works out the ``PartnerGate``: the standbys that are
/// caught up and connected hold replies back to what they have acknowledged.
public final class StandbyAcknowledgements: Sendable {
    private let positions: Mutex<[String: [UInt64]]>
    /// The standbys whose acknowledgement replies wait for now.
    private let gating = Mutex<Set<String>>([])

    /// Nothing acknowledged yet by `standbys`, over `shards` shards.
    public init(standbys: [String], shards: Int) {
        positions = Mutex(Dictionary(uniqueKeysWithValues: standbys.map { ($0, Array(repeating: 0, count: shards)) }))
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

    /// The last record of `shard` every standby has: how far compaction may fold it.
    public func limit(_ shard: Int) -> UInt64 {
        positions.withLock { positions in
            positions.values.map { shard < $0.count ? $0[shard] : 0 }.min() ?? UInt64.max
        }
    }
}
