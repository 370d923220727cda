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
    /// Records from the log that conflicted with the state rebuilt so far (a slot
    /// already held by another client); the earlier holder was kept.
    public var replayConflicts = 0
    /// Drops, indexed by ``DropReason/rawValue``.
    public var drops = [Int](repeating: 0, count: DropReason.allCases.count)

    public init() {}

    /// Drops for `reason`.
    public func dropped(_ reason: DropReason) -> Int { drops[Int(reason.rawValue)] }
}
