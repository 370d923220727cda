import PortLeaseWire
import PortSetPool

/// One pool as the engine serves it: what it leases, to whom, for how long, with
/// which options. The server builds these from the configuration file; tests
/// build them directly.
public struct PoolPolicy: Sendable, Equatable {
    /// How the pool's addresses are leased.
    public enum Kind: Sendable, Hashable {
        /// Shared addresses with port sets (RFC 7618): only for clients that list
        /// option 159 in their parameter request list.
        case shared(SharedParameters)
        /// Full addresses. `servePortParamsClients`: also serve clients that asked
        /// for option 159 (RFC 7618 section 8.1 lets a server be told to), giving
        /// them a full address without option 159.
        case full(servePortParamsClients: Bool)
    }

    /// The port-set parameters of a shared pool.
    public struct SharedParameters: Sendable, Hashable {
        /// PSID offset `a`: 6 for MAP, 0 for lw4o6.
        public var psidOffset: Int
        /// PSID length given when the client sends no usable hint.
        public var defaultPSIDLength: Int
        /// Shortest PSID length (largest port set) a client's hint may obtain.
        public var minimumPSIDLength: Int
        /// Longest PSID length (smallest port set): the pool's finest granularity.
        public var maximumPSIDLength: Int
        /// Port ranges never handed out (default 0-1023).
        public var reservedPorts: [ClosedRange<Int>]

        public init(
            psidOffset: Int = 6, defaultPSIDLength: Int = 6, minimumPSIDLength: Int? = nil,
            maximumPSIDLength: Int? = nil, reservedPorts: [ClosedRange<Int>] = [0...1023]
        ) {
            self.psidOffset = psidOffset
            self.defaultPSIDLength = defaultPSIDLength
            self.minimumPSIDLength = minimumPSIDLength ?? defaultPSIDLength
            self.maximumPSIDLength = maximumPSIDLength ?? defaultPSIDLength
            self.reservedPorts = reservedPorts
        }
    }

    /// Which clients a pool serves. Any one criterion that matches is enough. A pool
    /// with no criteria is a catch-all: it serves the clients that no pool with
    /// criteria fits (and those too, after their own pools, when it is a ``fallback``).
    public struct Match: Sendable, Hashable {
        /// The client's IPv6 source address (the innermost relay's peer-address) is in one of these.
        public var clientPrefixes: [IPv6Prefix]
        /// The innermost relay's link-address is in one of these.
        public var linkPrefixes: [IPv6Prefix]
        /// The innermost relay's Interface-ID is one of these.
        public var interfaceIDs: [[UInt8]]
        /// The query arrived on one of these interfaces (names as the server reports them).
        public var interfaces: [String]

        public init(
            clientPrefixes: [IPv6Prefix] = [], linkPrefixes: [IPv6Prefix] = [], interfaceIDs: [[UInt8]] = [],
            interfaces: [String] = []
        ) {
            self.clientPrefixes = clientPrefixes
            self.linkPrefixes = linkPrefixes
            self.interfaceIDs = interfaceIDs
            self.interfaces = interfaces
        }

        /// True when the pool has no criteria (it serves every client).
        public var isDefault: Bool {
            clientPrefixes.isEmpty && linkPrefixes.isEmpty && interfaceIDs.isEmpty && interfaces.isEmpty
        }
    }

    /// A name for logs and metrics.
    public var name: String
    public var kind: Kind
    /// The addresses leased, as ranges.
    public var addressRanges: [ClosedRange<IPv4Address>]
    /// Lease time (option 51), seconds.
    public var validLifetime: UInt32
    /// T1 (option 58), seconds; nil: half the lease (RFC 2131 4.4.5).
    public var renewalTime: UInt32?
    /// T2 (option 59), seconds; nil: 0.875 of the lease.
    public var rebindingTime: UInt32?
    public var match: Match
    /// For a catch-all pool (no `match`): also serve clients that a pool's `match`
    /// fits once every pool of theirs is full. Off by default, so that a specific
    /// link's clients never silently get addresses from an unrelated pool.
    public var fallback: Bool
    /// Percent of the pool in use at which the metrics raise its utilisation alarm
    /// (and the server logs a warning): time to add addresses before clients are refused.
    public var utilisationAlarm: Int
    /// Options handed to this pool's clients.
    public var options: PoolOptions
    /// Where a search for a new port set starts (RFC 6269 13.4: random is less predictable).
    public var searchOrder: PoolConfiguration.SearchOrder

    public init(
        name: String, kind: Kind, addressRanges: [ClosedRange<IPv4Address>], validLifetime: UInt32 = 3600,
        renewalTime: UInt32? = nil, rebindingTime: UInt32? = nil, match: Match = Match(), fallback: Bool = false,
        options: PoolOptions = PoolOptions(), searchOrder: PoolConfiguration.SearchOrder = .sequential,
        utilisationAlarm: Int = 90
    ) {
        self.fallback = fallback
        self.utilisationAlarm = utilisationAlarm
        self.name = name
        self.kind = kind
        self.addressRanges = addressRanges
        self.validLifetime = validLifetime
        self.renewalTime = renewalTime
        self.rebindingTime = rebindingTime
        self.match = match
        self.options = options
        self.searchOrder = searchOrder
    }

    /// True for a shared (port-set) pool.
    public var isShared: Bool {
        if case .shared = kind { return true }
        return false
    }

    /// The PSID offset `a` of the pool's port sets; 0 for a full-address pool.
    public var psidOffset: Int {
        if case .shared(let shared) = kind { return shared.psidOffset }
        return 0
    }

    /// True when `other` describes the same bitmap: name, kind (with its PSID
    /// parameters and reserved ports) and address ranges. Everything else (lifetimes,
    /// options, matching, search order) can change on a running engine.
    public func hasSameStructure(as other: PoolPolicy) -> Bool {
        name == other.name && kind == other.kind && addressRanges == other.addressRanges
    }

    /// How many clients the pool holds when every client takes the default port-set
    /// size (a full pool: one per address): what the engine sizes its tables for.
    var capacityAtDefaultLength: Int {
        let addresses = addressRanges.reduce(0) { $0 + Int($1.upperBound.value) - Int($1.lowerBound.value) + 1 }
        guard case .shared(let shared) = kind else { return addresses }
        return addresses << shared.defaultPSIDLength
    }

    /// T1 actually sent.
    var effectiveRenewalTime: UInt32 { renewalTime ?? validLifetime / 2 }
    /// T2 actually sent.
    var effectiveRebindingTime: UInt32 { rebindingTime ?? UInt32((UInt64(validLifetime) * 7) / 8) }

    /// The pool-structure configuration for this policy with `partitions` home partitions.
    func poolConfiguration(partitions: Int) -> PoolConfiguration {
        let ranges = addressRanges.map { $0.lowerBound.value...$0.upperBound.value }
        switch kind {
        case .shared(let shared):
            return PoolConfiguration(
                addressRanges: ranges, psidOffset: shared.psidOffset, maximumPSIDLength: shared.maximumPSIDLength,
                minimumPSIDLength: shared.minimumPSIDLength, reservedPorts: shared.reservedPorts,
                partitionCount: partitions, searchOrder: searchOrder)
        case .full:
            return PoolConfiguration(
                addressRanges: ranges, psidOffset: 0, maximumPSIDLength: 0, minimumPSIDLength: 0, reservedPorts: [],
                partitionCount: partitions, searchOrder: searchOrder)
        }
    }
}
