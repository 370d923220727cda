import Synchronization

/// The syslog feed's numbers: what it sent, what it lost and why. Written by the feed and its
/// sender on the control plane, read by the metrics endpoint from any thread.
package final class SyslogStatistics: Sendable {
    /// The counters and the one gauge.
    package enum Field: Int, CaseIterable, Sendable {
        /// Messages handed to the kernel (a datagram sent, or a frame written to the connection).
        case sent
        /// Messages given up: the queue was full, or a datagram could not be sent.
        case dropped
        /// Failed attempts: a connection that could not be made or broke, a send that failed.
        case failures
        /// Log records the feed never read because compaction removed them first.
        case skippedRecords
        /// Messages waiting to be sent (a gauge).
        case queued
    }

    private let values = Mutex([Int](repeating: 0, count: Field.allCases.count))

    package init() {}

    package func add(_ field: Field, _ amount: Int = 1) {
        values.withLock { $0[field.rawValue] += amount }
    }

    package func set(_ field: Field, _ value: Int) {
        values.withLock { $0[field.rawValue] = value }
    }

    package func value(_ field: Field) -> Int {
        values.withLock { $0[field.rawValue] }
    }

    /// The metrics in Prometheus text format.
    package func render() -> String {
        let families: [(Field, String, String, String)] = [
            (.sent, "portlease_syslog_sent_total", "counter", "Holding event messages sent to the syslog collector."),
            (
                .dropped, "portlease_syslog_dropped_total", "counter",
                "Holding event messages given up (queue full, or a datagram not sent)."
            ),
            (.failures, "portlease_syslog_failures_total", "counter", "Failed connections and sends (retried)."),
            (
                .skippedRecords, "portlease_syslog_skipped_records_total", "counter",
                "Log records compacted away before the syslog feed read them."
            ),
            (.queued, "portlease_syslog_queued", "gauge", "Holding event messages waiting to be sent."),
        ]
        var out = ""
        for (field, name, type, help) in families {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(value(field))\n"
        }
        return out
    }
}
