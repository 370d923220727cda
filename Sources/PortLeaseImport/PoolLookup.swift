import LeaseEngine
import PortLeaseWire

/// Which kind of pool an address is in, by binary search over every pool's ranges.
struct PoolLookup {
    /// Every pool's ranges, sorted by first address (pools' ranges never overlap).
    private let ranges: [(range: ClosedRange<IPv4Address>, kind: PoolPolicy.Kind)]

    init(_ pools: [PoolPolicy]) {
        ranges = pools.flatMap { pool in pool.addressRanges.map { ($0, pool.kind) } }
            .sorted { $0.range.lowerBound < $1.range.lowerBound }
    }

    /// The kind of the pool holding `address`, nil when no pool does.
    func kind(of address: IPv4Address) -> PoolPolicy.Kind? {
        var low = 0
        var high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].range.upperBound < address { low = middle + 1 } else { high = middle }
        }
        guard low < ranges.count, ranges[low].range.contains(address) else { return nil }
        return ranges[low].kind
    }
}
