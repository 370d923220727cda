/// What the simulated subscribers do, independent of sockets and pacing.
public struct ExchangeSettings: Sendable {
    public var scenario: Scenario
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
        psidLengthHint: UInt8? = nil, timeoutNanoseconds: UInt64 = 1_000_000_000, retransmissions: Int = 2
    ) {
        self.scenario = scenario
        self.subscribers = subscribers
        self.preload = preload
        self.relays = relays
        self.full = full
        self.psidLengthHint = psidLengthHint
        self.timeoutNanoseconds = timeoutNanoseconds
        self.retransmissions = retransmissions
    }

    /// Every subscriber index in use: preloaded ones, then measured ones.
    public var total: Int { preload + subscribers }
}
