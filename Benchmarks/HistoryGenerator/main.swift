// HistoryGenerator: simulates months of a shard's lease log with an injected clock (renewals at
// T1, churn, compaction and retention as the server runs them) through the real LeaseLog and
// LogCompactor, then times recovery and trace queries over the result. See README.md.
//
//   swift build -c release --package-path Benchmarks --scratch-path .build-hist-rel --product HistoryGenerator
//   HistoryGenerator --dir /work/histdata/h30/shard-0 --subscribers 1000000 --days 30
//   HistoryGenerator recover --dir /work/histdata/h30/shard-0
//   HistoryGenerator trace --dir /work/histdata/h30/shard-0 --queries 1000

import Foundation
import LeaseLog

do {
    let options = try HistoryOptions(arguments: Array(CommandLine.arguments.dropFirst()))
    switch options.mode {
    case .recover:
        try measureRecovery(directory: options.directory)
    case .trace:
        try measureTrace(directory: options.directory, queries: options.queries, seed: options.seed)
    case .generate:
        let simulation = Simulation(options: options)
        say(
            "simulating \(options.subscribers) subscribers for \(options.days) days "
                + "(\(options.leaseSeconds) s leases, churn \(options.churn)/day, compaction every "
                + "\(options.compactionMinutes) simulated min"
                + (options.bulkCompactionMinutes.map { " (every \($0) min before the last hour)" } ?? "")
                + ", segments \(options.segmentBytes >> 20) MiB, "
                + "durability .none) into \(options.directory)")
        try RunMetadata(subscribers: options.subscribers, start: simulation.start, end: simulation.end)
            .write(for: options.directory)
        if let path = options.configPath {
            let logDirectory = (options.directory as NSString).deletingLastPathComponent
            try serverConfiguration(
                plan: simulation.plan, logDirectory: logDirectory, leaseSeconds: options.leaseSeconds,
                retentionDays: options.retentionDays
            ).write(toFile: path, atomically: true, encoding: .utf8)
        }
        let result = try simulation.run()
        let status = try LogCompactor(directory: options.directory).status()
        let events = ["bind", "renew", "release", "expire", "decline"].enumerated().map {
            "\($0.element) \(result.byEvent[$0.offset + 1])"
        }
        say(
            "wrote \(result.records) records (\(events.joined(separator: ", "))) in "
                + String(format: "%.1f s = %.0f records/s", result.seconds, Double(result.records) / result.seconds))
        say(
            "compaction: \(result.passes) passes, "
                + String(
                    format: "%.1f s compacting (longest pass %.2f s), %.1f s retention; writer waited %.1f s",
                    result.compactSeconds, result.longestPassSeconds, result.retentionSeconds,
                    result.writerWaitSeconds)
                + "; \(result.endedHoldings) holdings ended, \(result.retentionDeleted) deleted by retention")
        say(
            "on disk: history \(status.historyBytes) bytes, \(status.historyHoldings) holdings; "
                + "snapshot \(status.snapshotBytes) bytes; live segments \(status.liveSegmentBytes) bytes "
                + "in \(status.liveSegments)")
        say(
            "max live-segment bytes seen \(result.maxLiveBytes) vs snapshot \(result.maxSnapshotBytes) bytes: "
                + String(format: "%.2fx", Double(result.maxLiveBytes) / Double(max(1, result.maxSnapshotBytes)))
                + "; at the \(options.compactionMinutes)-minute interval \(result.maxLiveBytesAtInterval) bytes = "
                + String(format: "%.2fx", Double(result.maxLiveBytesAtInterval) / Double(max(1, status.snapshotBytes))))
    }
} catch {
    FileHandle.standardError.write(Data("HistoryGenerator: \(error)\n".utf8))
    exit(1)
}
