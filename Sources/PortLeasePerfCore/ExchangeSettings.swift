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
    /// How long a query waits for its reply before it times out.
    public var timeoutNanoseconds: UInt64
    /// Retransmissions after a timeout before the exchange is abandoned.
    public var retransmissions: Int

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
