import Synchronization

/// Bindings per subscriber across every shard, for RFC 7618 section 10's limit.
///
/// Clients are sharded by their client key, so one subscriber's clients (one
/// Remote-ID, say, with several client identifiers behind it) land on different
/// shards. A count per shard would let a subscriber hold the limit once per
/// worker; this ledger is the one count all shards share. A new binding takes a
/// place with ``admit(_:limit:)``, which checks and counts in one step under the
/// subscriber's stripe lock, so two shards cannot both take the last place.
///
/// The subscribers are spread over 64 stripes, each an open-addressing
/// ``SubscriberCounts`` behind its own `Mutex`: the lock is held for a probe or
/// two, and only when a binding starts or ends (never on a renewal that keeps
/// its subscriber), so with a handful of workers it is almost never contended.
/// Sized at start-up by ``reserveCapacity(_:)``, a stripe does not grow, and
/// so does not allocate, below that size.
public final class SubscriberLedger: Sendable {
    private final class Stripe: Sendable {
        let counts = Mutex(SubscriberCounts())
    }

    private static let stripeCount = 64
    private let stripes: [Stripe]

    public init() {
        stripes = (0..<Self.stripeCount).map { _ in Stripe() }
    }

    private func stripe(_ subscriber: UInt64) -> Stripe {
        stripes[Int(truncatingIfNeeded: IDIndex.mix(subscriber) & UInt64(Self.stripeCount - 1))]
    }

    /// Counts one more binding for `subscriber` unless it already holds `limit`;
    /// true when counted.
    func admit(_ subscriber: UInt64, limit: Int) -> Bool {
        stripe(subscriber).counts.withLock { counts in
            guard counts[subscriber] < limit else { return false }
            counts.add(1, to: subscriber)
            return true
        }
    }

    /// Adds `delta` (+1 or -1) to `subscriber`'s count without a limit (a replayed
    /// lease, or one ending).
    func add(_ delta: Int, to subscriber: UInt64) {
        stripe(subscriber).counts.withLock { $0.add(delta, to: subscriber) }
    }

    /// The bindings `subscriber` holds on every shard.
    func count(of subscriber: UInt64) -> Int {
        stripe(subscriber).counts.withLock { $0[subscriber] }
    }

    /// Subscribers holding at least one binding.
    public var subscriberCount: Int {
        stripes.reduce(0) { total, stripe in total + stripe.counts.withLock { $0.count } }
    }

    /// Makes room for `capacity` subscribers in all, with headroom for an uneven
    /// spread over the stripes.
    public func reserveCapacity(_ capacity: Int) {
        let perStripe = capacity / Self.stripeCount + capacity / (4 * Self.stripeCount) + 16
        for stripe in stripes { stripe.counts.withLock { $0.reserveCapacity(perStripe) } }
    }
}
