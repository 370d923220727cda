/// A reboot storm (issue 17): every subscriber of a region boots within a window and starts a
/// DORA at a uniformly random moment in it, retransmitting as RFC 2131 says and starting over
/// when an exchange fails, until it holds a lease.
public struct StormSettings: Sendable {
    /// Seconds over which the subscribers start.
    public var window: Double
    /// Seconds after the window to wait for the last subscribers before giving up.
    public var giveUp: Double
    /// Renewals per second from the preloaded (already bound) subscribers during the storm:
    /// their latency shows whether the storm keeps online subscribers waiting. Nil: none.
    public var renewRate: Double?
    /// Seeds the start moments (a run is reproducible).
    public var seed: UInt64

    public init(window: Double, giveUp: Double = 300, renewRate: Double? = nil, seed: UInt64 = 1) {
        self.window = window
        self.giveUp = giveUp
        self.renewRate = renewRate
        self.seed = seed
    }

    /// `count` start moments, uniform over the window, in nanoseconds from the storm's start, sorted.
    public func startMoments(count: Int) -> [UInt64] {
        var random = SeededRandom(seed: seed)
        let span = UInt64(window * 1e9)
        var moments = (0..<count).map { _ in span == 0 ? 0 : random.next() % span }
        moments.sort()
        return moments
    }
}
