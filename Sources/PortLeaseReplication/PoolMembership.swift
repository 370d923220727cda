import LeaseEngine
import PortLeaseWire

/// Whether an address lies in one of a set of pools: which records belong to the pool groups
/// a replication stream carries.
struct PoolMembership: Sendable {
    private let ranges: [ClosedRange<UInt32>]

    init(pools: Set<Int>, engine: LeaseEngine) {
        self.init(pools: pools, ranges: engine.poolRanges)
    }

    /// From the engine's pool ranges (``LeaseEngine/poolRanges``), kept where the engine is not.
    init(pools: Set<Int>, ranges: [(range: ClosedRange<UInt32>, pool: Int)]) {
        self.ranges = ranges.filter { pools.contains($0.pool) }.map(\.range)
    }

    func contains(_ address: IPv4Address) -> Bool {
        ranges.contains { $0.contains(address.value) }
    }
}
