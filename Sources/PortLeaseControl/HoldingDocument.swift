import LeaseLog
import PortLeaseSystem
import PortLeaseWire
import PortSetPool

/// The relay nearest a subscriber, as the control API shows it (schema `Relay`): each option's
/// bytes in lower-case hex, absent when the relay did not send it.
public struct RelayDocument: Codable, Sendable, Equatable {
    public var linkAddress: String?
    public var interfaceID: String?
    public var remoteID: String?
    public var subscriberID: String?

    init?(_ relay: RelayIdentity) {
        guard relay != .none else { return nil }
        linkAddress = relay.linkAddress.map { "\($0)" }
        interfaceID = relay.interfaceID.map { HexBytes.text($0, separator: "") }
        remoteID = relay.remoteID.map { HexBytes.text($0, separator: "") }
        subscriberID = relay.subscriberID.map { HexBytes.text($0, separator: "") }
    }
}

/// One holding (a client on a port set, from one IPv6 address behind one relay, over a span of
/// time) as `GET /v1/trace` answers it (schema `Holding`).
public struct HoldingDocument: Codable, Sendable, Equatable {
    public var address: String
    public var psid: Int
    public var psidLength: Int
    public var psidOffset: Int
    /// The port ranges of the set, or `["0-65535"]` for a whole address.
    public var ports: [String]
    public var client: String
    /// The subscriber's IPv6 address (`::` when unknown: a lease imported from Kea).
    public var subscriber: String
    public var relay: RelayDocument?
    /// RFC 3339 UTC with milliseconds, and milliseconds since the epoch.
    public var start: String
    public var startMilliseconds: Int64
    /// When it ended, or (still held) when its lease runs out.
    public var end: String
    public var endMilliseconds: Int64
    /// `held`, or why it ended: `release`, `expiry`, `decline`, `reassignment`, `forced-release`.
    public var ended: String

    init(_ holding: TraceHolding) {
        address = "\(holding.address)"
        psid = Int(holding.psid)
        psidLength = Int(holding.psidLength)
        psidOffset = Int(holding.psidOffset)
        ports = PortSet.rangeTexts(offset: psidOffset, length: psidLength, psid: psid)
        client = "\(holding.clientKey)"
        subscriber = "\(holding.subscriber)"
        relay = RelayDocument(holding.relay)
        start = CivilTime(milliseconds: holding.start).iso8601Milliseconds
        startMilliseconds = holding.start
        end = CivilTime(milliseconds: holding.end).iso8601Milliseconds
        endMilliseconds = holding.end
        ended = holding.ended == .held ? "held" : holding.ended.description
    }
}

/// The body of `GET /v1/trace`.
public struct TraceDocument: Codable, Sendable, Equatable {
    public var holdings: [HoldingDocument]
}
