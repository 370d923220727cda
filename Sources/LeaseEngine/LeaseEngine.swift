import LeaseLog
import PortLeaseWire
import PortSetPool

/// One shard's DHCPv4-over-DHCPv6 server logic: RFC 2131 lease states, RFC 7618
/// port-set selection, RFC 7341 transport flags, per-subscriber limits, expiry.
///
/// Deterministic and free of I/O: the caller passes the decoded query and the
/// time, and gets back the reply (written into its buffer), the log records to
/// append, and whether the reply must wait until those records are durable.
/// One engine per shard worker, used from that worker's thread only; the port-set
/// pools are shared by all shards (lock-free), each shard allocating from its own
/// home partition first.
public final class LeaseEngine {
    public private(set) var configuration: EngineConfiguration
    /// This shard's index: its home partition in every pool.
    public let shard: Int
    /// The pools, in configuration order, shared with the other shards.
    public let pools: [PortSetPool]
    /// Per pool: what the per-packet path reads of it, as plain values.
    private(set) var facts: [PoolFacts]
    /// Per pool: the option bytes of its OFFERs and ACKs.
    private(set) var replyOptions: [ReplyOptions]
    /// See ``replyOptionsPrefix(serverIdentifier:)``.
    private(set) var replyOptionsPrefix: (UInt64, UInt64)
    /// The configuration values DISCOVER and REQUEST read, copied: `configuration` is
    /// public, so each read of it is a run-time exclusivity check; this copy is not.
    private(set) var queryFacts: (serverIdentifier: IPv4Address, offerLifetime: Int64)
    /// Pool indices in the order a new binding is sought (``selectionOrder(_:)``).
    private(set) var selectionOrder: [Int]
    /// Some pool has a `match`: queries must be checked against it to choose between
    /// matched and catch-all pools.
    private(set) var hasMatchedPools: Bool
    /// Address ranges of every pool, for finding the pool of an address.
    let ranges: [(range: ClosedRange<UInt32>, pool: Int)]
    /// Each client reservation's binding, by its client; empty in most deployments, so the
    /// packet path tests `isEmpty` before it hashes anything.
    var reserved: [ClientKey: Binding] = [:]
    /// Each subscriber reservation, by the hash of its owner's key (``ownerHash(_:)``).
    var reservedByKey: [UInt64: (owner: Reservation.Owner, binding: Binding)] = [:]
    /// The lengths of the reserved client prefixes, longest first.
    var reservedPrefixLengths: [Int] = []
    /// Whether some subscriber reservation is by Remote-ID, and by Subscriber-ID: a query's
    /// relay options are hashed only for a kind that is reserved.
    var reservesRemoteIDs = false
    var reservesSubscriberIDs = false
    /// The reserved bindings: slots that never go back to the pool.
    var reservedBindings: Set<Binding> = []
    /// The subscriber reservations' bindings, whose holder ``holders`` records.
    var subscriberBindings: Set<Binding> = []
    /// Who holds each subscriber reservation, shared with the other shards.
    public let holders: ReservationHolders
    /// The pools this server answers for now (all, unless it is a standby): shared by the shards.
    public let served: ServedPools
    /// Handovers asked of other shards in this batch (``takeHandovers()``).
    var handovers: [(binding: Binding, holder: ClientKey)] = []

    // Swift's run-time exclusivity checks stay on for this state: measured at about a
    // tenth of an exchange's instructions (2.6k of 18.4k per DORA), a price worth
    // paying for a trap instead of silent corruption if an overlapping access ever
    // slips in (ARCHITECTURE.md, "Decisions").

    var table = LeaseTable()
    /// Offer and lease deadlines, by lease id: at most one per client in the steady
    /// state (see ``LeaseTable/setCurrent(_:_:_:expiry:)``); an entry that surfaces
    /// before its client's current deadline is queued again at that deadline.
    var expiries = ExpiryQueue<UInt32>()
    /// Declined bindings held out of their pool until the deadline.
    var quarantine = ExpiryQueue<Binding>()
    /// Current bindings per subscriber (RFC 7618 section 10), shared with the
    /// other shards so the limit holds whatever the worker count.
    public let subscribers: SubscriberLedger
    public internal(set) var counters = EngineCounters()

    /// Builds the shared pools for `configuration`, with one home partition per shard.
    public static func makePools(for configuration: EngineConfiguration, shards: Int) throws(EngineError)
        -> [PortSetPool]
    {
        guard configuration.pools.count <= 255 else { throw .tooManyPools(configuration.pools.count) }
        var pools: [PortSetPool] = []
        for policy in configuration.pools {
            if case .shared(let shared) = policy.kind,
                !(shared.minimumPSIDLength...shared.maximumPSIDLength).contains(shared.defaultPSIDLength)
            {
                throw .invalidDefaultPSIDLength(name: policy.name, length: shared.defaultPSIDLength)
            }
            pools.append(try makePool(policy, partitions: shards))
        }
        try claimReservations(configuration, pools: pools)
        return pools
    }

    /// The pool of `policy` with one home partition per shard, or as many as it can
    /// be split into: a pool smaller than a few words per shard (16 full addresses
    /// for 2 shards, say) gets fewer partitions, and shards share them (shard `i`
    /// starts its search in partition `i % count`; stealing keeps it correct).
    static func makePool(_ policy: PoolPolicy, partitions: Int) throws(EngineError) -> PortSetPool {
        var count = max(partitions, 1)
        while true {
            do throws(PoolError) {
                return try PortSetPool(policy.poolConfiguration(partitions: count))
            } catch {
                guard case .invalidPartitionCount = error, count > 1 else {
                    throw .invalidPool(name: policy.name, error)
                }
                count -= 1
            }
        }
    }

    /// An engine for shard `shard` over `pools` (from ``makePools(for:shards:)``),
    /// counting subscribers in `subscribers` and recording who holds a subscriber's
    /// reservation in `holders`: the shards of one server share one of each, as they
    /// share the pools.
    public init(
        configuration: EngineConfiguration, pools: [PortSetPool], shard: Int,
        subscribers: SubscriberLedger = SubscriberLedger(), holders: ReservationHolders = ReservationHolders(),
        served: ServedPools? = nil
    ) throws(EngineError) {
        guard pools.count == configuration.pools.count else {
            throw .poolMismatch(expected: configuration.pools.count, got: pools.count)
        }
        guard shard >= 0 else { throw .invalidShard(shard) }
        self.configuration = configuration
        self.shard = shard
        self.pools = pools
        self.subscribers = subscribers
        self.holders = holders
        self.served = served ?? ServedPools(count: configuration.pools.count)
        replyOptions = configuration.pools.map(ReplyOptions.init)
        replyOptionsPrefix = Self.replyOptionsPrefix(serverIdentifier: configuration.serverIdentifier)
        queryFacts = (configuration.serverIdentifier, Int64(configuration.offerLifetime))
        facts = zip(configuration.pools, pools).map { policy, pool in
            PoolFacts(policy, offeredLengths: pool.offeredLengths.reduce(0) { $0 | 1 << UInt32($1) })
        }
        selectionOrder = Self.selectionOrder(configuration.pools)
        hasMatchedPools = configuration.pools.contains { !$0.match.isDefault }
        counters.poolsExhausted = Array(repeating: 0, count: configuration.pools.count)
        counters.offersOutstanding = Array(repeating: 0, count: configuration.pools.count)
        ranges = Self.ranges(of: configuration.pools)
        let bindings = try Self.reservedBindings(configuration.reservations, pools: pools, ranges: ranges)
        for reservation in configuration.reservations {
            addReservation(reservation, binding: bindings[reservation.owner]!)
        }
    }

    /// Applies `new` in place: options, lifetimes, timers, matching, limits and the
    /// server identifier may change. The pools' structure (names, kinds, PSID
    /// parameters, address ranges) must not: the bitmaps and every lease depend on
    /// it, so such a change needs a restart (``EngineError/poolStructureChanged(_:)``).
    public func reconfigure(_ new: EngineConfiguration) throws(EngineError) {
        guard new.pools.count == configuration.pools.count else {
            throw .poolStructureChanged(
                "the number of pools changes from \(configuration.pools.count) to \(new.pools.count)")
        }
        for (old, candidate) in zip(configuration.pools, new.pools) where !old.hasSameStructure(as: candidate) {
            throw .poolStructureChanged("pool \(old.name) changes its name, kind, PSID parameters or address ranges")
        }
        // Reservations are not reconfigured: they change through `addReservation` and
        // `removeReservation` only, whatever `new.reservations` says.
        configuration = new
        replyOptions = new.pools.map(ReplyOptions.init)
        replyOptionsPrefix = Self.replyOptionsPrefix(serverIdentifier: new.serverIdentifier)
        queryFacts = (new.serverIdentifier, Int64(new.offerLifetime))
        facts = zip(new.pools, facts).map { policy, old in PoolFacts(policy, offeredLengths: old.offeredLengths) }
        selectionOrder = Self.selectionOrder(new.pools)
        hasMatchedPools = new.pools.contains { !$0.match.isDefault }
    }

    /// The most clients a shard's tables are sized for at start-up (see
    /// ``makeShards(_:count:)``): 160 MB of index touched, and 1.3 GB of address
    /// space of which only what clients use becomes resident.
    public static let startupReservationLimit = 16 << 20

    /// Builds one engine per shard over freshly built shared pools, each with its
    /// tables sized for its share of the pools' capacity at their default port-set
    /// size (at most ``startupReservationLimit`` clients).
    ///
    /// A table that grows past its size pauses its shard while it is copied and its
    /// index rebuilt: measured at 1.4 s at 4M clients and 3.6 s plus 1.3 s at 8M on
    /// the 2-core test machine. Sizing at start-up keeps that out of the pools'
    /// normal range (clients beyond it are ones remembered for their previous
    /// binding after their lease ended), and shows the memory a configuration
    /// needs when the server starts rather than under load.
    public static func makeShards(_ configuration: EngineConfiguration, count: Int) throws(EngineError) -> [LeaseEngine]
    {
        let pools = try makePools(for: configuration, shards: count)
        let subscribers = SubscriberLedger()
        let holders = ReservationHolders()
        let served = ServedPools(count: configuration.pools.count)
        let capacity = configuration.pools.reduce(0) { $0 + $1.capacityAtDefaultLength }
        let perShard = min(capacity / max(count, 1) + 1, startupReservationLimit)
        var engines: [LeaseEngine] = []
        for shard in 0..<count {
            let engine = try LeaseEngine(
                configuration: configuration, pools: pools, shard: shard, subscribers: subscribers,
                holders: holders, served: served)
            engine.reserveCapacity(perShard)
            engines.append(engine)
        }
        if configuration.subscriberKey != .none { subscribers.reserveCapacity(perShard * count) }
        return engines
    }

    // MARK: - The entry point

    /// Decides what to do with `query` at `now` (milliseconds since the Unix epoch).
    ///
    /// Writes the DHCPv4 reply (the body of option 87) into `reply` when there is
    /// one, and appends to `records` the log records of every lease change. Expiry
    /// of due leases is not done here: call ``expire(now:records:)`` once per batch.
    ///
    /// `query` is consumed: the engine keeps it in its request context, and a
    /// borrowed query had to be copied there (a few hundred bytes) on every call.
    public func handle(
        _ query: consuming EngineQuery, now: Int64, reply: inout ByteWriter, records: inout [LeaseRecord]
    ) -> EngineOutcome {
        guard query.message.header.op == DHCPv4Header.bootRequest else { return drop(.notBootRequest) }
        guard let type = query.message.messageType else { return drop(.noMessageType) }
        guard let key = query.message.clientKey else { return drop(.noClientIdentity) }
        let fitsMatched = hasMatchedPools && fitsMatchedPool(query)
        let context = RequestContext(query: query, key: key, now: now, fitsMatchedPool: fitsMatched)
        let outcome: EngineOutcome
        if served.isRestricted && concernsStandbyPool(context) {
            outcome = drop(.standby)
        } else {
            switch type {
            case .discover: outcome = discover(context, reply: &reply, records: &records)
            case .request: outcome = request(context, reply: &reply, records: &records)
            case .release: outcome = release(context, records: &records)
            case .decline: outcome = decline(context, records: &records)
            case .inform: outcome = inform(context, reply: &reply)
            default: outcome = drop(.unexpectedMessageType)
            }
        }
        // A standby's silence: the partner answers, unless it is gone and the client keeps trying.
        if served.isRestricted, case .dropped(.standby) = outcome,
            served.isUnanswered(secs: context.message.header.secs)
        {
            noteUnanswered(context)
        }
        return outcome
    }

    /// What one query is about, worked out once.
    struct RequestContext {
        let query: EngineQuery
        let key: ClientKey
        let now: Int64
        /// The codes option 55 lists, read once for every question asked of it.
        let requested: RequestedCodes
        /// Whether option 55 lists 159: the client supports shared addresses.
        let wantsPortParams: Bool
        /// Whether some pool's `match` fits the client (see ``LeaseEngine/isInSelection(_:_:)``).
        let fitsMatchedPool: Bool

        init(query: consuming EngineQuery, key: ClientKey, now: Int64, fitsMatchedPool: Bool) {
            self.fitsMatchedPool = fitsMatchedPool
            requested = RequestedCodes(query.message.parameterRequestList)
            wantsPortParams = requested.contains(PortParams.optionCode)
            self.query = query
            self.key = key
            self.now = now
        }

        var message: DHCPv4MessageView { query.message }
    }

    func drop(_ reason: DropReason) -> EngineOutcome {
        counters.drops[Int(reason.rawValue)] += 1
        return .dropped(reason)
    }

    // MARK: - Pools

    /// True when pool `index` serves this client: it is one of the client's pools
    /// (``isInSelection(_:_:)``), and its kind suits the client (RFC 7618 8.1: shared
    /// pools only for clients asking for 159; full pools for the others, or for
    /// everyone when told).
    func isEligible(_ index: Int, _ context: RequestContext) -> Bool {
        guard served.answers(index) else { return false }
        let pool = facts[index]
        if pool.isShared {
            guard context.wantsPortParams else { return false }
        } else {
            guard !context.wantsPortParams || pool.servesPortParamsClients else { return false }
        }
        return isInSelection(index, context)
    }

    /// True when pool `index` is one of the client's pools, whatever their kind: a
    /// client that some pool's `match` fits is served by the pools whose `match`
    /// fits it, and by fallback pools once those are full; a catch-all pool (no
    /// `match`) serves everyone else. So a catch-all pool never hands a client on
    /// an operator's specific link an address that link's softwire knows nothing of.
    func isInSelection(_ index: Int, _ context: RequestContext) -> Bool {
        let pool = facts[index]
        guard pool.matchesEveryone else { return matches(configuration.pools[index].match, context.query) }
        return !context.fitsMatchedPool || pool.isFallback
    }

    /// True when any pool with a `match` fits `query`.
    func fitsMatchedPool(_ query: EngineQuery) -> Bool {
        for index in selectionOrder {
            if facts[index].matchesEveryone { return false }
            if matches(configuration.pools[index].match, query) { return true }
        }
        return false
    }

    func matches(_ match: PoolPolicy.Match, _ query: EngineQuery) -> Bool {
        if match.isDefault { return true }
        for prefix in match.clientPrefixes where prefix.contains(query.clientAddress) { return true }
        if let link = query.linkAddress {
            for prefix in match.linkPrefixes where prefix.contains(link) { return true }
        }
        if let interfaceID = query.interfaceID {
            for candidate in match.interfaceIDs where candidate.elementsEqual(interfaceID) { return true }
        }
        if let interface = query.interface {
            for candidate in match.interfaces where candidate == interface { return true }
        }
        return false
    }

    /// Why no pool gave this client a new binding. Every eligible pool full: each
    /// is counted in ``EngineCounters/poolsExhausted`` (the pools the client could
    /// have had, for a per-pool alarm). None eligible: the reason RFC 7618 8.1 names
    /// when only shared pools would have served a client that did not ask for 159.
    func poolsRefused(_ context: RequestContext) -> DropReason {
        var anyEligible = false
        for index in selectionOrder where isEligible(index, context) && served.allocates(index) {
            anyEligible = true
            counters.poolsExhausted[index] += 1
        }
        if anyEligible { return .poolsExhausted }
        return noPoolReason(context)
    }

    /// The reason for a client no pool serves: `sharedPoolsOnly` when a shared
    /// pool would have if the client had asked for option 159.
    func noPoolReason(_ context: RequestContext) -> DropReason {
        if served.isRestricted {
            for index in selectionOrder where !served.allocates(index) && isInSelection(index, context) {
                return .standby
            }
        }
        if !context.wantsPortParams {
            for index in selectionOrder where facts[index].isShared && isInSelection(index, context) {
                return .sharedPoolsOnly
            }
        }
        return .noPoolForClient
    }

    /// The order pools are tried for a new binding: pools with a `match` in written
    /// order, then catch-all pools in written order. A client is only ever eligible
    /// for one kind or (fallbacks) tries them after its own, so within a client's
    /// pools the written order decides.
    static func selectionOrder(_ pools: [PoolPolicy]) -> [Int] {
        pools.indices.filter { !pools[$0].match.isDefault } + pools.indices.filter { pools[$0].match.isDefault }
    }

    /// The pool whose ranges hold `address`, if any.
    func pool(containing address: IPv4Address) -> Int? {
        for entry in ranges where entry.range.contains(address.value) { return entry.pool }
        return nil
    }

    /// The PSID length to allocate in pool `index`: the client's hint (option 159
    /// with a non-zero PSID-len, RFC 7618 section 6 step 2) kept within the pool's
    /// minimum...maximum, else the pool's default; 0 for a full pool.
    func psidLength(for index: Int, _ context: RequestContext) -> Int {
        let pool = facts[index]
        guard pool.isShared else { return 0 }
        var length = pool.defaultPSIDLength
        if let hint = context.message.portParams, hint.psidLength != 0 {
            length = min(max(Int(hint.psidLength), pool.minimumPSIDLength), pool.maximumPSIDLength)
        }
        return pool.offers(psidLength: length) ? length : pool.defaultPSIDLength
    }

}
