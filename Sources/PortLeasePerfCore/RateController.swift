/// Open-loop pacing: how many exchanges should have started by now at `rate` per second.
///
/// The generator asks at every batch end and timer tick; whatever is due is started at once
/// (or, when no subscriber is free, counted as skipped and never made up later, so a stall
/// does not turn into a burst that flatters the server).
public struct RateController: Sendable {
    /// Exchanges per second.
    public let rate: Double
    /// When pacing started (monotonic nanoseconds).
    public private(set) var start: UInt64
    /// Exchanges accounted for so far (started or skipped).
    public private(set) var issued = 0

    public init(rate: Double, start: UInt64) {
        precondition(rate > 0, "rate must be positive")
        self.rate = rate
        self.start = start
    }

    /// The number of exchanges due at `now` and not yet accounted for; marks them accounted.
    public mutating func take(at now: UInt64) -> Int {
        guard now > start else { return 0 }
        let target = Int(Double(now - start) * rate / 1e9)
        let due = target - issued
        guard due > 0 else { return 0 }
        issued = target
        return due
    }

    /// Restarts pacing at `now` (when measuring begins after the preparation phase).
    public mutating func restart(at now: UInt64) {
        start = now
        issued = 0
    }
}
