import PortLeaseWire

/// Everything one shard's ``LeaseEngine`` needs to decide: the server's identity,
/// the pools, timers and the per-subscriber limit.
public struct EngineConfiguration: Sendable, Equatable {
    /// How subscribers (customer sites) are told apart for the lease limit of
    /// RFC 7618 section 10.
    public enum SubscriberKey: Sendable, Hashable {
        /// No limit is applied.
        case none
        /// The innermost relay's Remote-ID (option 37).
        case remoteID
        /// The innermost relay's Subscriber-ID (option 38).
        case subscriberID
        /// The client's IPv6 source address cut to this prefix length (e.g. 56: one
        /// customer site's delegated prefix).
        case clientPrefix(length: Int)
    }

    /// Option 54 in every reply; also how a SELECTING REQUEST names us.
    public var serverIdentifier: IPv4Address
    /// Pools in matching order: the first matching, eligible pool with room serves.
    public var pools: [PoolPolicy]
    /// How long an offered port set stays held for the client that was offered it, seconds.
    public var offerLifetime: UInt32
    /// How long a declined port set stays out of the pool, seconds.
    public var declineQuarantine: UInt32
    /// At most this many active leases (offers included) per subscriber; nil: no limit.
    public var leasesPerSubscriber: Int?
    public var subscriberKey: SubscriberKey
    /// Fixed bindings, each for one client (``Reservation``); checked when the engine is
    /// built: each must be a port set its pool offers, one per client, none overlapping.
    public var reservations: [Reservation]

    public init(
        serverIdentifier: IPv4Address, pools: [PoolPolicy], offerLifetime: UInt32 = 60,
        declineQuarantine: UInt32 = 86_400, leasesPerSubscriber: Int? = nil, subscriberKey: SubscriberKey = .none,
        reservations: [Reservation] = []
    ) {
        self.serverIdentifier = serverIdentifier
        self.pools = pools
        self.offerLifetime = offerLifetime
        self.declineQuarantine = declineQuarantine
        self.leasesPerSubscriber = leasesPerSubscriber
        self.subscriberKey = subscriberKey
        self.reservations = reservations
    }
}
