import LeaseEngine
import LeaseLog
import Testing

@testable import PortLeaseServer

/// The lease-log families on the metrics endpoint: sizes from the maintenance pass's
/// `LogStatus`, and compactions counted with the time they took.
@Suite struct LogMaintenanceStatisticsTests {
    private func render(_ logs: [LogMaintenanceStatistics]) throws -> String {
        let configuration = ServerFixtures.engineConfiguration()
        let pools = try LeaseEngine.makePools(for: configuration, shards: 1)
        return MetricsRenderer(
            counters: ServerCounters(), shards: [ShardStatistics()], queues: [ShardQueue(capacity: 4)],
            pools: PoolWatch(policies: configuration.pools, pools: pools), logs: logs
        ).render()
    }

    @Test func compactionsAreCountedWithTheSecondsTheyTook() throws {
        let first = LogMaintenanceStatistics()
        let second = LogMaintenanceStatistics()
        first.recordCompaction(milliseconds: 1234, at: 1_000_000)
        first.recordCompaction(milliseconds: 5, at: 1_010_000)
        second.recordCompaction(milliseconds: 40, at: 1_000_000)
        let text = try render([first, second])
        #expect(text.contains("# TYPE portlease_log_compaction_seconds_total counter\n"))
        #expect(text.contains("portlease_log_compaction_seconds_total{shard=\"0\"} 1.239\n"))
        #expect(text.contains("portlease_log_compaction_seconds_total{shard=\"1\"} 0.040\n"))
        #expect(text.contains("portlease_log_compactions_total{shard=\"0\"} 2\n"))
        #expect(text.contains("portlease_log_last_compaction_milliseconds{shard=\"0\"} 5\n"))
        #expect(first.compactions == 2)
    }

    @Test func theLogSizeOnDiskIsWhatTheLastPassMeasured() throws {
        let statistics = LogMaintenanceStatistics()
        var status = LogStatus()
        status.liveSegmentBytes = 4096
        status.snapshotBytes = 1000
        status.historyBytes = 24
        status.historyHoldings = 3
        statistics.publish(status)
        let text = try render([statistics])
        #expect(text.contains("# TYPE portlease_log_bytes gauge\n"))
        #expect(text.contains("portlease_log_bytes{shard=\"0\"} 5120\n"))
        #expect(text.contains("portlease_log_live_segment_bytes{shard=\"0\"} 4096\n"))
        #expect(text.contains("portlease_history_holdings{shard=\"0\"} 3\n"))
        // Nothing compacted yet: the counters are there, at zero.
        #expect(text.contains("portlease_log_compaction_seconds_total{shard=\"0\"} 0.000\n"))
        #expect(text.contains("portlease_log_compactions_total{shard=\"0\"} 0\n"))
    }

    @Test func withoutMaintenanceThereAreNoLogFamilies() throws {
        #expect(!(try render([])).contains("portlease_log_bytes"))
    }
}
