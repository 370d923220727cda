import LeaseEngine
import LeaseLog
import PortLeaseServer
import PortLeaseWire

/// What an import of a Kea lease file will write: a bind record per imported lease, in the
/// shard that owns its client, and how many rows were left out and why.
///
/// An imported lease is a full address (PSID length 0) bound at Kea's last grant
/// (`expire - valid_lifetime`) for `valid_lifetime` seconds, so it ends when Kea's did. Kea
/// does not know the client's IPv6 address or relay: the record says `::` (unknown) and no
/// relay, which the tools print as "unknown"; the client's next renewal records its real ones.
public struct ImportPlan: Sendable {
    /// What the PortLease side already holds, and how it is laid out.
    public struct Target: Sendable {
        /// The configured pools: only full-address pools take imported leases.
        public var pools: [PoolPolicy]
        /// Shards (`workers`) of the lease log.
        public var shardCount: Int
        /// Addresses the log already holds (leased, or quarantined after a decline).
        public var heldAddresses: Set<IPv4Address>
        /// Clients the log already holds a lease for.
        public var heldClients: Set<ClientKey>

        /// A log of `shardCount` shards serving `pools`, already holding those addresses and clients.
        public init(
            pools: [PoolPolicy], shardCount: Int, heldAddresses: Set<IPv4Address> = [],
            heldClients: Set<ClientKey> = []
        ) {
            self.pools = pools
            self.shardCount = shardCount
            self.heldAddresses = heldAddresses
            self.heldClients = heldClients
        }
    }

    /// The bind records to append, by shard (`records[shard]`), in the file's order.
    public private(set) var records: [[LeaseRecord]]
    /// Rows left out, by reason (reasons with none are absent).
    public private(set) var skipped: [ImportSkipReason: Int] = [:]

    /// Leases imported (records in all shards).
    public var importedCount: Int { records.reduce(0) { $0 + $1.count } }

    /// Decides on every lease of `file` at `now` (milliseconds since the Unix epoch); the
    /// file's damaged rows are counted as ``ImportSkipReason/badRow``.
    public init(_ file: KeaLeaseFile, into target: Target, now: Int64) {
        records = Array(repeating: [], count: target.shardCount)
        if !file.problems.isEmpty { skipped[.badRow] = file.problems.count }
        let pools = PoolLookup(target.pools)
        // Each client's lease that expires last (then the later row), among those still eligible.
        var chosen: [ClientKey: KeaLease] = [:]
        var order: [ClientKey] = []
        for lease in file.leases {
            if let reason = Self.reason(toSkip: lease, target: target, pools: pools, now: now) {
                skipped[reason, default: 0] += 1
                continue
            }
            let key = lease.clientKey!
            if let other = chosen[key] {
                skipped[.duplicateClient, default: 0] += 1
                if (other.expire, other.line) > (lease.expire, lease.line) { continue }
            } else {
                order.append(key)
            }
            chosen[key] = lease
        }
        for key in order {
            let lease = chosen[key]!
            records[ShardChoice.shard(of: key, shardCount: target.shardCount)].append(
                LeaseRecord(
                    event: .bind, time: lease.start * 1000, clientKey: key, subscriber: .unspecified, relay: .none,
                    address: lease.address, lifetime: lease.validLifetime))
        }
    }

    /// Why `lease` is not imported, or nil when it is (before duplicate clients are weighed).
    static func reason(toSkip lease: KeaLease, target: Target, pools: PoolLookup, now: Int64) -> ImportSkipReason? {
        if lease.validLifetime == 0 { return .released }
        switch lease.state {
        case .active: break
        case .declined: return .declined
        case .expiredReclaimed: return .expiredReclaimed
        case .other: return .otherState
        }
        if lease.expire * 1000 <= now { return .expired }
        guard let key = lease.clientKey else { return .noClientIdentity }
        switch pools.kind(of: lease.address) {
        case nil: return .outsidePools
        case .shared: return .sharedPool
        case .full: break
        }
        if target.heldAddresses.contains(lease.address) { return .addressInLog }
        if target.heldClients.contains(key) { return .clientInLog }
        return nil
    }
}
