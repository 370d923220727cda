import LeaseEngine
import LeaseLog
import PortLeaseSystem
import PortLeaseWire
import PortSetPool

/// One lease as the control API shows it (`Docs/openapi.json`, schema `Lease`): the address,
/// its port set written out, the pool, the client, the state and when it ends.
public struct LeaseDocument: Codable, Sendable, Equatable {
    public var address: String
    /// True for a full address (no port set).
    public var full: Bool
    public var psid: Int
    public var psidLength: Int
    public var psidOffset: Int
    /// The port ranges of the set (`"1024-1039"`, ...), or `["0-65535"]` for a full address.
    public var ports: [String]
    public var pool: String
    /// The client key as the tools print it (`id:..` for option 61, `hw:..` for htype+chaddr).
    public var client: String
    /// `bound`, or `offered` (held for the client until the offer lifetime ends).
    public var state: String
    /// When the lease or offer ends: RFC 3339 UTC, and milliseconds since the Unix epoch.
    public var expiry: String
    public var expiryMilliseconds: Int64
    /// From the lease log, for a bound lease found by client or address: the subscriber's IPv6
    /// address, its relay, and when the holding began (absent in pages of a listing, and for
    /// an offer, which is not logged).
    public var subscriber: String?
    public var relay: RelayDocument?
    public var start: String?
    public var startMilliseconds: Int64?

    /// The document for `key`'s lease `lease`, from a pool of `pool`.
    init(key: ClientKey, lease: LeaseEngine.LeaseState, pool: PoolPolicy) {
        let binding = lease.binding
        address = "\(binding.address)"
        full = binding.psidLength == 0
        psid = Int(binding.psid)
        psidLength = Int(binding.psidLength)
        psidOffset = pool.psidOffset
        let ranges = PortSet.rangeTexts(offset: psidOffset, length: full ? 0 : psidLength, psid: psid)
        ports = ranges.isEmpty ? ["0-65535"] : ranges
        self.pool = pool.name
        client = "\(key)"
        state = lease.kind == .bound ? "bound" : "offered"
        expiryMilliseconds = lease.expiry
        expiry = CivilTime(milliseconds: lease.expiry).iso8601
    }

    /// Adds what the log knows of the holding: subscriber, relay, start.
    mutating func add(_ holding: TraceHolding) {
        subscriber = "\(holding.subscriber)"
        relay = RelayDocument(holding.relay)
        start = CivilTime(milliseconds: holding.start).iso8601Milliseconds
        startMilliseconds = holding.start
    }
}

/// The body of a lease lookup: the leases found, and for a listing the cursor of the next page
/// (`after=`), nil on the last.
public struct LeaseList: Codable, Sendable, Equatable {
    public var leases: [LeaseDocument]
    public var next: String?

    public init(leases: [LeaseDocument], next: String? = nil) {
        self.leases = leases
        self.next = next
    }
}
