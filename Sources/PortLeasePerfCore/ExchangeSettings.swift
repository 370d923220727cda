/// What the simulated subscribers do, independent of sockets and pacing.
public struct ExchangeSettings: Sendable {
    public var scenario: Scenario
    /// Several scenarios by weight instead of `scenario` alone (nil: `scenario` only).
    public var mix: ScenarioMix?
    /// Subscribers taking part in the measurement.
    public var subscribers: Int
    /// Extra subscribers that obtain a lease before measuring and then keep it (the pool's
    /// occupancy); they come first in index order.
    public var preload: Int
    /// Relay-forward levels around each query (0, 1 or 2).
    public var relays: Int
    /// Full-address clients (option 159 not requested).
    public var full: Bool
    public var psidLengthHint: UInt8?
    /// How long a query waits for its reply before it times out (``Backoff/fixed``).
    public var timeoutNanoseconds: UInt64
    /// Retransmissions after a timeout before the exchange is abandoned.
    public var retransmissions: Int
    /// How the wait grows from one retransmission to the next.
    public var backoff: Backoff = .fixed
    /// After a failed exchange (abandoned, NAK, a wrong reply) the subscriber starts over with
    /// a DISCOVER at once, as a CPE does, instead of going idle (the storm).
    public var restartAfterFailure = false

    /// Retransmission timing.
    public enum Backoff: String, Sendable, CaseIterable {
        /// Every try waits `timeoutNanoseconds`.
        case fixed
        /// RFC 2131 section 4.1: 4 s before the first retransmission, doubling up to 64 s,
        /// each randomised by a uniform ±1 s.
        case rfc2131
    }

    /// The longest a query can wait for its reply.
    public var longestTimeout: UInt64 {
        switch backoff {
        case .fixed: timeoutNanoseconds
        case .rfc2131: 65_000_000_000
        }
    }

    /// The longest an exchange's query can go unanswered before it is given up: every try's
    /// longest wait.
    public var longestExchangeWait: UInt64 {
        (0...retransmissions).reduce(0) { total, retry in
            total + (backoff == .fixed ? timeoutNanoseconds : timeout(retry: retry, random: 2_000_000_000))
        }
    }

    /// The wait of try `retry` (0: the first transmission); `random` is uniform in 0..<2^64.
    public func timeout(retry: Int, random: UInt64) -> UInt64 {
        switch backoff {
        case .fixed:
            return timeoutNanoseconds
        case .rfc2131:
            let base = UInt64(4_000_000_000) << UInt64(min(retry, 4))  // 4, 8, 16, 32, 64 s
            return base - 1_000_000_000 + random % 2_000_000_001
        }
    }

    public init(
        scenario: Scenario, subscribers: Int, preload: Int = 0, relays: Int = 0, full: Bool = false,
        psidLengthHint: UInt8? = nil, timeoutNanoseconds: UInt64 = 1_000_000_000, retransmissions: Int = 2,
        mix: ScenarioMix? = nil
    ) {
        self.mix = mix
        self.scenario = scenario
        self.subscribers = subscribers
        self.preload = preload
        self.relays = relays
        self.full = full
        self.psidLengthHint = psidLengthHint
        self.timeoutNanoseconds = timeoutNanoseconds
        self.retransmissions = retransmissions
    }

    /// Whether measured subscribers need a lease before measuring.
    public var needsLease: Bool { mix?.needsLease ?? scenario.needsLease }

    /// Round trips per exchange (averaged over a mix).
    public var roundTrips: Double { mix?.roundTrips ?? Double(scenario.roundTrips) }

    /// The scenario (or the mix) as reports name it.
    public var scenarioName: String { mix.map { "mix \($0)" } ?? scenario.rawValue }

    /// Every subscriber index in use: preloaded ones, then measured ones.
    public var total: Int { preload + subscribers }
}
