/// Everything a ``PortSetPool`` is built from; validated by the pool's initialiser.
public struct PoolConfiguration: Hashable, Sendable {
    /// Where a search starts inside a partition.
    public enum SearchOrder: Hashable, Sendable {
        /// From a cursor that stays where the last allocation succeeded: dense packing,
        /// good cache locality.
        case sequential
        /// From a random unit and a random position inside it, so the next port set is
        /// hard to predict (RFC 6269 section 13.4). `seed` makes runs reproducible.
        case random(seed: UInt64)
    }

    /// The IPv4 ranges (host byte order) whose addresses the pool leases; they must not overlap.
    public var addressRanges: [ClosedRange<UInt32>]
    /// The PSID offset `a` (RFC 7597 section 5.1): 6 for MAP, 0 for lw4o6.
    public var psidOffset: Int
    /// The finest PSID length `k_max` (`0...10`): each address has `2^k_max` slots.
    /// 0 means full addresses only.
    public var maximumPSIDLength: Int
    /// The coarsest PSID length `k_min` handed out (0 = full addresses are offered too).
    ///
    /// When `k_max > 6`, lengths `1 ..< k_max - 6` are not offered: such a set would span
    /// several 64-bit words and could not be taken in one compare-exchange. `k_min` must
    /// then be 0 or at least `k_max - 6`.
    public var minimumPSIDLength: Int
    /// Port ranges never handed out (default: the well-known ports `0...1023`). A port set
    /// touching any of them is marked taken when the pool is built.
    public var reservedPorts: [ClosedRange<Int>]
    /// Number of home partitions, normally one per shard worker.
    public var partitionCount: Int
    /// Where searches start inside a partition.
    public var searchOrder: SearchOrder

    /// Creates a configuration; the defaults are MAP-style `a = 6`, `k = 6` sets only,
    /// well-known ports reserved, one partition, sequential search.
    public init(
        addressRanges: [ClosedRange<UInt32>],
        psidOffset: Int = 6,
        maximumPSIDLength: Int = 6,
        minimumPSIDLength: Int? = nil,
        reservedPorts: [ClosedRange<Int>] = [0...1023],
        partitionCount: Int = 1,
        searchOrder: SearchOrder = .sequential
    ) {
        self.addressRanges = addressRanges
        self.psidOffset = psidOffset
        self.maximumPSIDLength = maximumPSIDLength
        self.minimumPSIDLength = minimumPSIDLength ?? maximumPSIDLength
        self.reservedPorts = reservedPorts
        self.partitionCount = partitionCount
        self.searchOrder = searchOrder
    }
}
