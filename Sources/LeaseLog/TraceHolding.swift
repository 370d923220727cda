import PortLeaseWire

/// What ended a holding (or that it has not ended).
public enum HoldingEnd: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// The port set is still held: `end` is when the current lease runs out.
    case held = 0
    /// The client released it (DHCPRELEASE).
    case release = 1
    /// The lease ran out without renewal (an expire record, or a later record found it lapsed).
    case expiry = 2
    /// The client declined it (DHCPDECLINE).
    case decline = 3
    /// The client was bound to another port set, or renewed from another subscriber address or
    /// relay, without releasing this one: the old holding ends where the new one starts.
    case reassignment = 4
    /// An operator ended it through the control API (`forcedRelease` record).
    case forcedRelease = 5

    public var description: String {
        switch self {
        case .held: "held"
        case .release: "release"
        case .expiry: "expiry"
        case .decline: "decline"
        case .reassignment: "reassignment"
        case .forcedRelease: "forced-release"
        }
    }
}

/// One stretch of time during which one client held one port set, from one subscriber address
/// behind one relay: the answer to "who used this address and port then?" (RFC 6269 section 12).
///
/// The history keeps holdings, not renewals: a renewal that changes nothing a trace needs
/// extends the holding, so history grows with bindings.
public struct TraceHolding: Sendable, Hashable {
    /// Who held the port set.
    public var clientKey: ClientKey
    /// The subscriber's IPv6 address during the holding.
    public var subscriber: IPv6Address
    /// The relay (line) the subscriber was behind.
    public var relay: RelayIdentity
    /// The port set: address, PSID, PSID length and offset, as in `LeaseRecord`.
    public var address: IPv4Address
    public var psid: UInt16
    public var psidLength: UInt8
    public var psidOffset: UInt8
    /// When the holding began (the bind, or a renewal that changed the subscriber or relay), ms since the epoch.
    public var start: Int64
    /// When it ended (exclusive): the release, decline or reassignment time, the lease's end when it
    /// ran out, or, while `ended == .held`, the current lease's end.
    public var end: Int64
    /// What ended it.
    public var ended: HoldingEnd

    public init(
        clientKey: ClientKey, subscriber: IPv6Address, relay: RelayIdentity, address: IPv4Address, psid: UInt16,
        psidLength: UInt8, psidOffset: UInt8, start: Int64, end: Int64, ended: HoldingEnd
    ) {
        self.clientKey = clientKey
        self.subscriber = subscriber
        self.relay = relay
        self.address = address
        self.psid = psid
        self.psidLength = psidLength
        self.psidOffset = psidOffset
        self.start = start
        self.end = end
        self.ended = ended
    }

    /// Whether the holding covers any instant of `from ..< to` (ms).
    func overlaps(_ from: Int64, _ to: Int64) -> Bool {
        start < to && end > from
    }
}
