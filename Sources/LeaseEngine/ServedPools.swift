import PortSetPool
import Synchronization

/// Which pools this server answers for now: every pool, unless it is the hot standby of some.
///
/// A standby keeps its partner's leases in its own engines (replicated records, applied as at
/// start-up) but must neither answer a client of those pools nor allocate from them: a second
/// answer or a second allocation is exactly the duplicate redundancy exists to prevent. The
/// redundancy service clears a pool group's pools here while it follows a partner and sets them
/// when it takes over; the shard workers read it on every query that touches a pool.
///
/// The shards of one server share one. One relaxed load answers "is everything served" (the
/// common case, a server without partners); a pool's own bit is read only otherwise.
public final class ServedPools: Sendable {
    /// The number of pools.
    public let count: Int
    /// One bit per pool, set while it is served.
    private let bits: AtomicWords
    /// How many pools are not served: 0 on a server without partners.
    private let unserved = Atomic<Int>(0)

    /// Every one of `count` pools served.
    public init(count: Int) {
        self.count = count
        bits = AtomicWords(count: max(1, (count + 63) / 64))
        for word in 0..<bits.count { bits.base[word].store(~0, ordering: .relaxed) }
    }

    /// Whether some pool is not served now (one relaxed load).
    @inline(__always)
    public var hasStandbyPools: Bool { unserved.load(ordering: .relaxed) > 0 }

    /// Whether pool `index` is served now.
    @inline(__always)
    public func contains(_ index: Int) -> Bool {
        guard hasStandbyPools else { return true }
        return bits.base[index >> 6].load(ordering: .acquiring) & (1 << UInt64(index & 63)) != 0
    }

    /// Serves (`served` true) or stops serving pools `indices`. Called by the redundancy
    /// service only, one call at a time.
    public func set(_ indices: some Sequence<Int>, served: Bool) {
        for index in indices where index >= 0 && index < count {
            let bit: UInt64 = 1 << UInt64(index & 63)
            if served {
                bits.base[index >> 6].bitwiseOr(bit, ordering: .releasing)
            } else {
                bits.base[index >> 6].bitwiseAnd(~bit, ordering: .releasing)
            }
        }
        let count = (0..<count).count {
            bits.base[$0 >> 6].load(ordering: .acquiring) & (1 << UInt64($0 & 63)) == 0
        }
        unserved.store(count, ordering: .releasing)
    }

    /// The pools not served now, in index order.
    public var standbyPools: [Int] { (0..<count).filter { !contains($0) } }
}
