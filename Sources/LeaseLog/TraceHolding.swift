import PortLeaseWire

/// One stretch of time during which one client held one port set: the answer to
/// "who used this address and port then?" (RFC 6269 section 12).
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
    /// When it ended: the release, expiry or decline record's time, or the lease's end when no such
    /// record followed (the lifetime ran out, or the lease is still live). Exclusive.
    public var end: Int64
    /// The event that ended it; nil when the lifetime simply ran out (or has not yet).
    public var endedBy: LeaseRecord.Event?

    /// Whether the holding covers any instant of `start ..< end` (ms).
    func overlaps(_ from: Int64, _ to: Int64) -> Bool {
        start < to && end > from
    }
}
