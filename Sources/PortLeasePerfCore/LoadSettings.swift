import PortLeaseTransport

/// How a run is paced and how long it lasts, on top of what the subscribers do.
public struct LoadSettings: Sendable {
    public var exchange: ExchangeSettings
    /// Where queries go.
    public var server: SocketAddress6
    /// The generator's own UDP port (0: any). Servers that answer direct clients on the
    /// DHCPv6 client port rather than the source port (Kea, started with `-P`) need it fixed.
    public var localPort: UInt16 = 0
    /// Open loop: exchanges started per second, whatever the replies do. Nil: closed loop.
    public var rate: Double?
    /// Closed loop: exchanges kept in flight (also the window used while preparing).
    public var window: Int
    /// Stop starting exchanges after this many seconds ...
    public var duration: Double?
    /// ... or after this many exchanges (whichever comes first; one of them must be set).
    public var exchanges: Int?
    /// How often the timer wakes the loop for timeouts, pacing and progress.
    public var tickNanoseconds: UInt64
    /// Print a progress line to stderr every second.
    public var progress: Bool

    public init(
        exchange: ExchangeSettings, server: SocketAddress6, rate: Double? = nil, window: Int = 64,
        duration: Double? = nil, exchanges: Int? = nil, tickNanoseconds: UInt64 = 1_000_000, progress: Bool = false
    ) {
        self.exchange = exchange
        self.server = server
        self.rate = rate
        self.window = window
        self.duration = duration
        self.exchanges = exchanges
        self.tickNanoseconds = tickNanoseconds
        self.progress = progress
    }

    /// "rate N/s" or "window W", for reports.
    public var loadDescription: String {
        if let rate { return "rate \(PerfReport.fixed(rate, 0))/s" }
        return "window \(window)"
    }
}
