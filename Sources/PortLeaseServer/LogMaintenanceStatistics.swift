import LeaseLog

/// What `LogMaintenance` publishes about one shard's log, for the metrics endpoint: atomics
/// written by the maintenance thread after each pass, read by the metrics thread.
public final class LogMaintenanceStatistics: Sendable {
    enum Field: Int, CaseIterable {
        case liveSegmentBytes, snapshotBytes, historyBytes, historyHoldings, oldestHistoryDay
        case lastCompactionAt, lastCompactionMilliseconds, compactions, compactionMillisecondsTotal
    }

    let fields = AtomicCounters(count: Field.allCases.count)
    /// Failed passes (one counter).
    let failures = AtomicCounters(count: 1)

    public init() {}

    func publish(_ status: LogStatus) {
        fields.store(Field.liveSegmentBytes.rawValue, status.liveSegmentBytes)
        fields.store(Field.snapshotBytes.rawValue, status.snapshotBytes)
        fields.store(Field.historyBytes.rawValue, status.historyBytes)
        fields.store(Field.historyHoldings.rawValue, status.historyHoldings)
        fields.store(Field.oldestHistoryDay.rawValue, Int(status.oldestHistoryDay ?? 0))
    }

    func recordCompaction(milliseconds: Int, at now: Int64) {
        fields.store(Field.lastCompactionAt.rawValue, Int(now))
        fields.store(Field.lastCompactionMilliseconds.rawValue, milliseconds)
        fields.add(Field.compactions.rawValue)
        fields.add(Field.compactionMillisecondsTotal.rawValue, milliseconds)
    }

    subscript(field: Field) -> Int { fields[field.rawValue] }

    /// Compactions completed since the server started.
    public var compactions: Int { self[.compactions] }
    /// Ended holdings in the shard's history, as of the last pass.
    public var historyHoldings: Int { self[.historyHoldings] }

    /// The samples, as (family, type, help, value), for shard `shard`'s label; `now` (ms) for ages.
    /// Values are rendered text: integers, except the seconds spent compacting (a decimal, in ms).
    func samples(now: Int64) -> [(name: String, type: String, help: String, value: String)] {
        let compactedAt = self[.lastCompactionAt]
        let oldest = self[.oldestHistoryDay]
        let spent = self[.compactionMillisecondsTotal]
        let milliseconds = String(spent % 1000)
        return [
            (
                "portlease_log_bytes", "gauge", "Bytes of the lease log on disk: live segments, snapshot and history.",
                "\(self[.liveSegmentBytes] + self[.snapshotBytes] + self[.historyBytes])"
            ),
            (
                "portlease_log_live_segment_bytes", "gauge",
                "Bytes in segments not yet compacted (what start-up replays after the snapshot).",
                "\(self[.liveSegmentBytes])"
            ),
            (
                "portlease_log_snapshot_bytes", "gauge", "Bytes of the snapshot of live leases.",
                "\(self[.snapshotBytes])"
            ),
            (
                "portlease_log_snapshot_age_seconds", "gauge",
                "Seconds since the last compaction wrote the snapshot (0: none yet in this process).",
                "\(compactedAt == 0 ? 0 : Int((now - Int64(compactedAt)) / 1000))"
            ),
            (
                "portlease_log_last_compaction_seconds", "gauge", "How long the last compaction took.",
                "\(self[.lastCompactionMilliseconds] / 1000)"
            ),
            (
                "portlease_log_last_compaction_milliseconds", "gauge", "How long the last compaction took, in ms.",
                "\(self[.lastCompactionMilliseconds])"
            ),
            ("portlease_log_compactions_total", "counter", "Compactions completed.", "\(self[.compactions])"),
            (
                "portlease_log_compaction_seconds_total", "counter",
                "Time spent in completed compactions (with portlease_log_compactions_total: the mean duration).",
                "\(spent / 1000)." + String(repeating: "0", count: 3 - milliseconds.count) + milliseconds
            ),
            (
                "portlease_log_compaction_failures_total", "counter", "Compaction passes that failed.",
                "\(failures[0])"
            ),
            (
                "portlease_history_oldest_seconds", "gauge",
                "Unix time of the start of the oldest day in the holdings history (0: empty).", "\(oldest / 1000)"
            ),
            ("portlease_history_holdings", "gauge", "Ended holdings in the history.", "\(self[.historyHoldings])"),
            ("portlease_history_bytes", "gauge", "Bytes of the holdings history.", "\(self[.historyBytes])"),
        ]
    }
}
