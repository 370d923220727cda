import LeaseEngine
import PortLeaseWire

/// Whether an address lies in one of a set of pools: which records belong to the pool groups
/// a replication stream carries.
struct PoolMembership: Sendable {
    private let ranges: [ClosedRange<UInt32>]

    init(pools: Set<Int>, engine: LeaseEngine) {
        ranges = engine.poolRanges.filter { pools.contains($0.pool) }.map(\.range)
    }

    func contains(_ address: IPv4Address) -> Bool {
        ranges.contains { $0.contains(address.value) }
    }
}
