import PortLeaseWire

/// The DHCPv6 relay nearest the subscriber, as it identified the subscriber's line.
///
/// Traceability answers name the line a port set was on, not only the client: the
/// link-address, Interface-ID (option 18) and Remote-ID (option 37) of that relay.
/// Each part is absent when the relay did not send it (or the query was not relayed).
public struct RelayIdentity: Hashable, Sendable {
    /// The relay's link-address field.
    public var linkAddress: IPv6Address?
    /// Interface-ID option contents, at most 255 bytes (inline when short: see ``InlineBytes``).
    public var interfaceIDBytes: InlineBytes?
    /// Remote-ID option contents (enterprise number + id), at most 255 bytes.
    public var remoteIDBytes: InlineBytes?
    /// Subscriber-ID option contents (RFC 4580, option 38), at most 255 bytes. Logged so that
    /// history and per-subscriber limits keyed on it survive a restart; absent from logs
    /// written before it was recorded.
    public var subscriberIDBytes: InlineBytes?

    /// Interface-ID option contents, as an array.
    public var interfaceID: [UInt8]? {
        get { interfaceIDBytes?.bytes }
        set { interfaceIDBytes = newValue.map { InlineBytes($0) } }
    }

    /// Remote-ID option contents (enterprise number + id), as an array.
    public var remoteID: [UInt8]? {
        get { remoteIDBytes?.bytes }
        set { remoteIDBytes = newValue.map { InlineBytes($0) } }
    }

    /// Subscriber-ID option contents, as an array.
    public var subscriberID: [UInt8]? {
        get { subscriberIDBytes?.bytes }
        set { subscriberIDBytes = newValue.map { InlineBytes($0) } }
    }

    /// A query that reached the server without a relay.
    public static let none = RelayIdentity()

    public init(
        linkAddress: IPv6Address? = nil, interfaceID: [UInt8]? = nil, remoteID: [UInt8]? = nil,
        subscriberID: [UInt8]? = nil
    ) {
        self.linkAddress = linkAddress
        interfaceIDBytes = interfaceID.map { InlineBytes($0) }
        remoteIDBytes = remoteID.map { InlineBytes($0) }
        subscriberIDBytes = subscriberID.map { InlineBytes($0) }
    }

    /// The identity as a relay's options hold it: copies the bytes without
    /// allocating when each part fits inline (the server's per-ACK path).
    public init(
        linkAddress: IPv6Address?, interfaceIDBytes: InlineBytes?, remoteIDBytes: InlineBytes?,
        subscriberIDBytes: InlineBytes? = nil
    ) {
        self.linkAddress = linkAddress
        self.interfaceIDBytes = interfaceIDBytes
        self.remoteIDBytes = remoteIDBytes
        self.subscriberIDBytes = subscriberIDBytes
    }
}

/// One change to a lease, as written to the log.
///
/// Every record is self-contained (client, subscriber, relay, address and port set), so
/// that recovery rebuilds a lease from its last record and a trace query answers from
/// the records of one address alone. Offers are not logged: they promise nothing.
public struct LeaseRecord: Hashable, Sendable {
    /// What happened to the lease.
    public enum Event: UInt8, Sendable, CaseIterable {
        /// A lease was granted (the ACK to a REQUEST in SELECTING or INIT-REBOOT).
        case bind = 1
        /// A lease was extended (RENEWING or REBINDING); `lifetime` counts from `time`.
        case renew = 2
        /// The client released the lease (DHCPRELEASE).
        case release = 3
        /// The lease ran out without renewal.
        case expire = 4
        /// The client declined the address (DHCPDECLINE); `lifetime` is how long it stays quarantined.
        case decline = 5
        /// An operator ended the lease (the control API's force release: abuse handling, a
        /// replaced CPE). The port set returns to the pool at once; the client keeps no claim
        /// on it, so a renewal is NAKed.
        case forcedRelease = 6
    }

    /// What happened to the lease.
    public var event: Event
    /// When it happened: milliseconds since the Unix epoch (UTC), the time a trace query asks about.
    public var time: Int64
    /// The client the lease belongs to.
    public var clientKey: ClientKey
    /// The subscriber's IPv6 address (the DHCPv4-over-DHCPv6 client's source address).
    public var subscriber: IPv6Address
    /// The relay nearest the subscriber, for traceability.
    public var relay: RelayIdentity
    /// The IPv4 address leased (shared or full).
    public var address: IPv4Address
    /// The PSID, right-aligned (`psid < 1 << psidLength`); 0 with `psidLength` 0 (a full address).
    public var psid: UInt16
    /// PSID length k, 0 ... 16; 0 means the whole address.
    public var psidLength: UInt8
    /// PSID offset a, 0 ... 15 (RFC 7597 section 5.1); `psidOffset + psidLength <= 16`.
    public var psidOffset: UInt8
    /// Lease lifetime in seconds from `time` (for `bind` and `renew`).
    public var lifetime: UInt32

    public init(
        event: Event, time: Int64, clientKey: ClientKey, subscriber: IPv6Address, relay: RelayIdentity = .none,
        address: IPv4Address, psid: UInt16 = 0, psidLength: UInt8 = 0, psidOffset: UInt8 = 0, lifetime: UInt32
    ) {
        self.event = event
        self.time = time
        self.clientKey = clientKey
        self.subscriber = subscriber
        self.relay = relay
        self.address = address
        self.psid = psid
        self.psidLength = psidLength
        self.psidOffset = psidOffset
        self.lifetime = lifetime
    }
}
