/// What one shard's engine has done, for metrics: cheap to read, never reset.
public struct EngineCounters: Sendable, Hashable {
    public var offers = 0
    public var acks = 0
    public var naks = 0
    public var informs = 0
    public var releases = 0
    public var declines = 0
    /// Bound leases that ran out.
    public var expirations = 0
    /// Offers never requested, released when their hold ran out.
    public var offerTimeouts = 0
    /// Declined port sets returned to the pool after quarantine.
    public var quarantineEnds = 0
    /// Bindings that moved to another subscriber with their client (a CPE moved
    /// to another site); see ``LeaseEngine/follow(_:to:)``.
    public var subscriberMoves = 0
    /// Bindings ended because their client moved to a subscriber already at its limit.
    public var subscriberMovesRefused = 0
    /// Records from the log that conflicted with the state rebuilt so far (a slot
    /// already held by another client); the earlier holder was kept.
    public var replayConflicts = 0
    /// Per pool (configuration order): queries refused a new binding while this
    /// pool was one the client could have had and it was full. A refusal with two
    /// such pools counts once in each.
    public var poolsExhausted: [Int] = []
    /// Per pool (configuration order): offers made and not yet taken up, declined or timed
    /// out, now (a gauge: each holds its port set for the offer lifetime).
    public var offersOutstanding: [Int] = []
    /// Drops, indexed by ``DropReason/rawValue``.
    public var drops = [Int](repeating: 0, count: DropReason.allCases.count)

    public init() {}

    /// Drops for `reason`.
    public func dropped(_ reason: DropReason) -> Int { drops[Int(reason.rawValue)] }
}
