import LeaseEngine
import PortLeaseWire

/// A token bucket per client source prefix for DHCPDISCOVERs, kept by the receive
/// thread: the defence against one source flooding DISCOVERs with fresh client
/// identifiers, each of which would otherwise reserve a port set for the offer
/// lifetime and drain the pools for everyone (Config/README.md, `discover-rate`).
///
/// The source is the client's IPv6 address as the engine sees it: the innermost
/// relay's peer-address, or the datagram's source when unrelayed, cut to
/// ``DiscoverRate/prefixLength`` (one customer site). A link-local source is kept
/// whole, since every on-link client shares `fe80::/64`.
///
/// Memory is fixed at start-up: 16,384 buckets in sets of four, the set found by a
/// keyed hash of the prefix (the key is random per process, so a sender cannot aim
/// at another's set) and the bucket by the stored prefix hash. A prefix new to its
/// set takes the least recently used bucket with a full allowance: under a flood
/// from many sources the limiter forgets the idle ones, and never blocks a source
/// it has not seen drain its own bucket. Used from the receive thread only.
public final class DiscoverRateLimiter {
    private static let bucketCount = 1 << 14
    /// Buckets per set: a prefix may use any of its set's four.
    private static let ways = 4
    /// Token amounts are in thousandths, so a rate below 1,000/s refills in whole units.
    private static let scale: Int64 = 1000

    let settings: DiscoverRate
    private let seed: UInt64
    /// Per bucket: the prefix hash that holds it (0: free), its tokens (scaled) and
    /// when they were last topped up (milliseconds).
    private let owners: UnsafeMutableBufferPointer<UInt64>
    private let tokens: UnsafeMutableBufferPointer<Int64>
    private let updated: UnsafeMutableBufferPointer<Int64>

    init(_ settings: DiscoverRate, seed: UInt64 = UInt64.random(in: 1...UInt64.max)) {
        self.settings = settings
        self.seed = seed
        owners = .allocate(capacity: Self.bucketCount)
        owners.initialize(repeating: 0)
        tokens = .allocate(capacity: Self.bucketCount)
        tokens.initialize(repeating: 0)
        updated = .allocate(capacity: Self.bucketCount)
        updated.initialize(repeating: 0)
    }

    deinit {
        owners.deallocate()
        tokens.deallocate()
        updated.deallocate()
    }

    /// Takes one token for a DISCOVER from `client` at `now` (milliseconds, any
    /// monotonic origin); false when that source's bucket is empty.
    func admit(_ client: IPv6Address, now: Int64) -> Bool {
        let isLinkLocal = client.high >> 54 == 0x3FA  // fe80::/10
        let prefix = IPv6Prefix.mask(client, isLinkLocal ? 128 : settings.prefixLength)
        var hash = (prefix.high ^ seed) &* 0x9E37_79B9_7F4A_7C15
        hash = (hash ^ prefix.low ^ hash >> 29) &* 0xBF58_476D_1CE4_E5B9
        hash ^= hash >> 32
        if hash == 0 { hash = 1 }
        let index = bucket(for: hash)
        let capacity = Int64(settings.burst) * Self.scale
        if owners[index] != hash {
            owners[index] = hash
            tokens[index] = capacity
        } else {
            // At most an hour counts: enough to fill any bucket, and no overflow.
            let elapsed = min(max(0, now - updated[index]), 3_600_000)
            tokens[index] = min(capacity, tokens[index] + elapsed * Int64(settings.perSecond) * Self.scale / 1000)
        }
        updated[index] = now
        guard tokens[index] >= Self.scale else { return false }
        tokens[index] -= Self.scale
        return true
    }

    /// The bucket of the prefix hashed to `hash`: its own, if it has one in its set of
    /// four, else the set's least recently used (an idle source's, or a free one). A busy
    /// flooding source is never the least recent, so a source meeting it in a set takes
    /// another way rather than handing the flooder a full bucket by taking its place.
    private func bucket(for hash: UInt64) -> Int {
        let first = Int(truncatingIfNeeded: hash % UInt64(Self.bucketCount / Self.ways)) * Self.ways
        var oldest = first
        for way in first..<(first + Self.ways) {
            if owners[way] == hash { return way }
            if updated[way] < updated[oldest] || owners[way] == 0 && owners[oldest] != 0 { oldest = way }
        }
        return oldest
    }
}
