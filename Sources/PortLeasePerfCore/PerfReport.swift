import Histogram

/// The result of one measured run, as text for people and JSON for scripts.
public struct PerfReport: Sendable {
    /// Latency percentiles in microseconds.
    public struct Latency: Sendable, Equatable {
        public var p50: Double
        public var p90: Double
        public var p99: Double
        public var p999: Double
        public var max: Double
        public var count: UInt64

        public init(p50: Double, p90: Double, p99: Double, p999: Double, max: Double, count: UInt64) {
            self.p50 = p50
            self.p90 = p90
            self.p99 = p99
            self.p999 = p999
            self.max = max
            self.count = count
        }

        /// Reads the percentiles of a histogram of nanoseconds.
        public init(_ histogram: Histogram<UInt64>) {
            func micros(_ value: UInt64) -> Double { Double(value) / 1000 }
            let empty = histogram.totalCount == 0
            p50 = empty ? 0 : micros(histogram.valueAtPercentile(50))
            p90 = empty ? 0 : micros(histogram.valueAtPercentile(90))
            p99 = empty ? 0 : micros(histogram.valueAtPercentile(99))
            p999 = empty ? 0 : micros(histogram.valueAtPercentile(99.9))
            max = empty ? 0 : micros(histogram.max)
            count = histogram.totalCount
        }
    }

    /// The scenario's name, or "mix dora:70,...".
    public var scenario: String
    /// Round trips per exchange (averaged over a mix; a RELEASE has no reply).
    public var roundTrips: Double
    /// "rate 50000/s" or "window 64".
    public var load: String
    public var seconds: Double
    public var started: Int
    public var completed: Int
    public var failed: Int
    /// Exchanges still waiting for a reply when the run ended.
    public var unfinished: Int
    public var sent: Int
    public var received: Int
    public var retransmissions: Int
    public var errors: [(PerfError, Int)]
    public var exchangeLatency: Latency
    public var roundTripLatency: Latency
    /// The generator's own CPU time during the measurement (getrusage), microseconds.
    public var cpuUser: UInt64
    public var cpuSystem: UInt64
    /// Leases held (unique (address, port set) tuples) at the end.
    public var leasesHeld: Int

    public init(
        scenario: String, roundTrips: Double, load: String, seconds: Double, started: Int, completed: Int, failed: Int,
        unfinished: Int,
        sent: Int, received: Int, retransmissions: Int, errors: [(PerfError, Int)], exchangeLatency: Latency,
        roundTripLatency: Latency, cpuUser: UInt64, cpuSystem: UInt64, leasesHeld: Int
    ) {
        self.scenario = scenario
        self.roundTrips = roundTrips
        self.load = load
        self.seconds = seconds
        self.started = started
        self.completed = completed
        self.failed = failed
        self.unfinished = unfinished
        self.sent = sent
        self.received = received
        self.retransmissions = retransmissions
        self.errors = errors
        self.exchangeLatency = exchangeLatency
        self.roundTripLatency = roundTripLatency
        self.cpuUser = cpuUser
        self.cpuSystem = cpuSystem
        self.leasesHeld = leasesHeld
    }

    /// Completed exchanges per second.
    public var exchangesPerSecond: Double { seconds > 0 ? Double(completed) / seconds : 0 }

    /// Every error counted (timeouts included; retransmissions are reported on their own).
    public var errorTotal: Int { errors.reduce(0) { $0 + $1.1 } }

    /// The generator's CPU microseconds per completed exchange.
    public var cpuPerExchange: Double { completed > 0 ? Double(cpuUser + cpuSystem) / Double(completed) : 0 }

    /// The human-readable report.
    public var text: String {
        var lines = [
            "scenario \(scenario), \(load), \(Self.fixed(seconds, 2)) s",
            "exchanges: \(completed) completed, \(failed) failed, \(unfinished) unfinished, \(started) started",
            "rate: \(Self.fixed(exchangesPerSecond, 0)) exchanges/s"
                + " (\(Self.fixed(exchangesPerSecond * roundTrips, 0)) round trips/s)",
            "datagrams: \(sent) sent, \(received) received, \(retransmissions) retransmissions",
            "latency per exchange (us): " + Self.latencyText(exchangeLatency),
            "latency per round trip (us): " + Self.latencyText(roundTripLatency),
            "generator CPU: \(Self.fixed(Double(cpuUser) / 1e6, 3)) s user, \(Self.fixed(Double(cpuSystem) / 1e6, 3)) s system,"
                + " \(Self.fixed(cpuPerExchange, 2)) us per exchange",
            "leases held: \(leasesHeld)",
        ]
        let nonzero = errors.filter { $0.1 > 0 }
        lines.append(
            "errors: " + (nonzero.isEmpty ? "none" : nonzero.map { "\($0.0.name) \($0.1)" }.joined(separator: ", ")))
        return lines.joined(separator: "\n")
    }

    /// One JSON object (keys stable for scripts; latencies in microseconds, CPU in microseconds).
    public var json: String {
        func latency(_ value: Latency) -> String {
            "{\"p50\":\(Self.fixed(value.p50, 1)),\"p90\":\(Self.fixed(value.p90, 1)),\"p99\":\(Self.fixed(value.p99, 1)),"
                + "\"p99.9\":\(Self.fixed(value.p999, 1)),\"max\":\(Self.fixed(value.max, 1)),\"count\":\(value.count)}"
        }
        let errorFields = errors.map { "\"\($0.0.name)\":\($0.1)" }.joined(separator: ",")
        return "{\"scenario\":\"\(scenario)\",\"load\":\"\(load)\",\"seconds\":\(Self.fixed(seconds, 3)),"
            + "\"started\":\(started),\"completed\":\(completed),\"failed\":\(failed),\"unfinished\":\(unfinished),"
            + "\"exchanges_per_second\":\(Self.fixed(exchangesPerSecond, 1)),"
            + "\"round_trips_per_exchange\":\(Self.fixed(roundTrips, 2)),"
            + "\"sent\":\(sent),\"received\":\(received),\"retransmissions\":\(retransmissions),"
            + "\"latency_exchange_us\":\(latency(exchangeLatency)),\"latency_round_trip_us\":\(latency(roundTripLatency)),"
            + "\"cpu_user_us\":\(cpuUser),\"cpu_system_us\":\(cpuSystem),"
            + "\"cpu_us_per_exchange\":\(Self.fixed(cpuPerExchange, 3)),\"leases_held\":\(leasesHeld),"
            + "\"error_total\":\(errorTotal),\"errors\":{\(errorFields)}}"
    }

    private static func latencyText(_ value: Latency) -> String {
        "p50 \(fixed(value.p50, 1)), p90 \(fixed(value.p90, 1)), p99 \(fixed(value.p99, 1)),"
            + " p99.9 \(fixed(value.p999, 1)), max \(fixed(value.max, 1))"
    }

    /// `value` with `digits` decimals, without Foundation.
    public static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "0" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = Int(scaled / scale)
        let sign = value < 0 && scaled > 0 ? "-" : ""
        guard digits > 0 else { return sign + String(whole) }
        let fraction = String(Int(scaled - Double(whole) * scale))
        return sign + String(whole) + "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
}
