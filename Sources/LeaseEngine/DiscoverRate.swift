/// How many DHCPDISCOVERs one client source prefix may send (`limits.discover-rate`),
/// so that a flood of fresh client identifiers from one place cannot hold every port
/// set in offers. Enforced before the engine, in the server's receive thread
/// (`DiscoverRateLimiter`); kept here, beside the engine's other limits, so the
/// configuration and the server share one definition.
public struct DiscoverRate: Sendable, Equatable {
    /// Sustained DISCOVERs per second per source prefix.
    public var perSecond: Int
    /// DISCOVERs a quiet source may send at once.
    public var burst: Int
    /// Sources are counted per prefix of this length (a link-local source per address).
    public var prefixLength: Int

    public init(perSecond: Int = 10, burst: Int = 50, prefixLength: Int = 64) {
        self.perSecond = perSecond
        self.burst = burst
        self.prefixLength = prefixLength
    }
}
