/// What a storm run saw: how long until half, 99% and all of the subscribers held a lease,
/// goodput over time, and how the bound subscribers' renewals fared meanwhile.
public struct StormReport: Sendable {
    /// One second of the storm.
    public struct Second: Sendable, Equatable {
        /// Seconds since the storm began (the end of this second).
        public var time: Int
        /// Subscribers bound by then, and in this second.
        public var bound: Int
        public var boundInSecond: Int
        /// DORAs started fresh by then (the schedule), and started over after a failure.
        public var started: Int
        public var restarts: Int
        /// Datagrams sent by then, of them retransmissions.
        public var sent: Int
        public var retransmissions: Int
        /// Renewals completed and failed by then.
        public var renewals: Int
        public var renewalsFailed: Int
    }

    public var subscribers: Int
    public var window: Double
    public var preload: Int
    public var renewRate: Double?
    /// Seconds from the storm's start until 50%, 99% and 100% of the subscribers were bound
    /// (nil: not reached before the run gave up).
    public var timeToHalf: Double?
    public var timeTo99: Double?
    public var timeToAll: Double?
    public var bound: Int
    public var seconds: Double
    public var sent: Int
    public var retransmissions: Int
    public var restarts: Int
    /// Replies to a query that had been retransmitted, and replies to queries the client had
    /// moved past or given up on (`late`).
    public var answeredAfterRetransmission: Int
    public var late: Int
    public var errors: [(PerfError, Int)]
    public var renewalsCompleted: Int
    public var renewalsFailed: Int
    public var renewLatency: PerfReport.Latency
    public var timeline: [Second]

    /// The human-readable report.
    public var text: String {
        func time(_ value: Double?) -> String { value.map { PerfReport.fixed($0, 2) + " s" } ?? "not reached" }
        var lines = [
            "storm: \(subscribers) subscribers starting within \(PerfReport.fixed(window, 1)) s"
                + " (\(PerfReport.fixed(Double(subscribers) / max(window, 0.001), 0))/s), \(PerfReport.fixed(seconds, 1)) s run",
            "bound: \(bound) of \(subscribers); 50% after \(time(timeToHalf)), 99% after \(time(timeTo99)),"
                + " 100% after \(time(timeToAll))",
            "datagrams: \(sent) sent, \(retransmissions) retransmissions, \(restarts) DORAs started over",
            "stale answers: \(late) late (the client had moved on), \(answeredAfterRetransmission) after a retransmission",
        ]
        if preload > 0 {
            lines.append(
                "renewals of \(preload) bound subscribers at \(PerfReport.fixed(renewRate ?? 0, 0))/s: \(renewalsCompleted) answered,"
                    + " \(renewalsFailed) failed; latency (us) p50 \(PerfReport.fixed(renewLatency.p50, 1)),"
                    + " p99 \(PerfReport.fixed(renewLatency.p99, 1)), max \(PerfReport.fixed(renewLatency.max, 1))")
        }
        let nonzero = errors.filter { $0.1 > 0 }
        lines.append(
            "errors: " + (nonzero.isEmpty ? "none" : nonzero.map { "\($0.0.name) \($0.1)" }.joined(separator: ", ")))
        return lines.joined(separator: "\n")
    }

    /// One JSON object (times in seconds, latencies in microseconds; null when not reached).
    public var json: String {
        func time(_ value: Double?) -> String { value.map { PerfReport.fixed($0, 3) } ?? "null" }
        let errorFields = errors.map { "\"\($0.0.name)\":\($0.1)" }.joined(separator: ",")
        return "{\"subscribers\":\(subscribers),\"window_s\":\(PerfReport.fixed(window, 3)),\"preload\":\(preload),"
            + "\"renew_rate\":\(renewRate.map { PerfReport.fixed($0, 1) } ?? "null"),"
            + "\"time_to_50_s\":\(time(timeToHalf)),\"time_to_99_s\":\(time(timeTo99)),\"time_to_all_s\":\(time(timeToAll)),"
            + "\"bound\":\(bound),\"seconds\":\(PerfReport.fixed(seconds, 3)),\"sent\":\(sent),"
            + "\"retransmissions\":\(retransmissions),\"restarts\":\(restarts),"
            + "\"answered_after_retransmission\":\(answeredAfterRetransmission),\"late\":\(late),"
            + "\"renewals\":\(renewalsCompleted),\"renewals_failed\":\(renewalsFailed),"
            + "\"renew_latency_us\":{\"p50\":\(PerfReport.fixed(renewLatency.p50, 1)),"
            + "\"p99\":\(PerfReport.fixed(renewLatency.p99, 1)),\"max\":\(PerfReport.fixed(renewLatency.max, 1))},"
            + "\"errors\":{\(errorFields)}}"
    }

    /// The timeline as CSV, one line per second (for `Benchmarks/plot-storm.py`).
    public var timelineCSV: String {
        var lines = ["second,bound,bound_in_second,started,restarts,sent,retransmissions,renewals,renewals_failed"]
        for row in timeline {
            lines.append(
                "\(row.time),\(row.bound),\(row.boundInSecond),\(row.started),\(row.restarts),\(row.sent),"
                    + "\(row.retransmissions),\(row.renewals),\(row.renewalsFailed)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
