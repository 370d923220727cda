import Foundation
import LeaseLog
import Logging
import PortLeaseHistory
import PostgresNIO

/// Ships one generated shard directory into the database under `options.instance`, through the
/// real `HistoryShipper` (its backfill path: the generated log is compacted, so the snapshot and
/// the history go first, then the live segments' records), and reports holdings per second,
/// wall clock from the shipper's start until the database's cursor reaches the log's last
/// committed record. Retention is off (the generated history reaches back 180 days; the
/// shipper's hourly task would drop the oldest day partitions while it runs).
func ship(_ options: BenchOptions, logger: Logger) async throws {
    let connection = try HistoryConnection(url: options.database)
    try await HistoryClient.run(connection, logger: logger) { client in
        let (from, to) = try await HistorySchema.migrate(client, logger: logger)
        if from != to { say("migrated the database from schema \(from) to \(to)") }
    }

    // What the log holds: its last committed sequence (the shipper's limit, as a shard worker
    // would publish it), and the size of the backfill the shipper will read (timed apart: the
    // local part of the work, before any database exchange).
    var clock = ContinuousClock.now
    let committed = try LeaseLog.recover(directory: options.directory).lastSequence
    let recoverSeconds = seconds(since: clock)
    clock = ContinuousClock.now
    let (backfill, backfillEnded) = try {
        let events = try HoldingFeed(directory: options.directory, after: 0).backfill
        return (events.count, events.count { $0.kind == .ended })
    }()
    let feedSeconds = seconds(since: clock)
    say(
        "\(options.instance): log \(options.directory) committed through \(committed) (recover "
            + String(format: "%.2f s", recoverSeconds) + "); backfill from cursor 0: \(backfill) holdings "
            + "(\(backfillEnded) ended, \(backfill - backfillEnded) live), read in "
            + String(format: "%.2f s", feedSeconds))

    let statistics = ShippingStatistics(shards: 1)
    let shipper = HistoryShipper(
        connection: connection,
        settings: .init(
            instance: options.instance, batchSize: options.batch, intervalMilliseconds: 50, retentionDays: nil,
            timeoutMilliseconds: options.timeoutMilliseconds),
        directories: [options.directory], statistics: statistics, committed: { _ in committed }, logger: logger)
    let startedWall = Date()
    let started = ContinuousClock.now
    let task = Task { try await shipper.run() }
    var lastProgress = started
    var complete = true
    while statistics.cursor(0) < committed {
        try await Task.sleep(for: .milliseconds(20))
        if let limit = options.maxSeconds, ContinuousClock.now - started >= .seconds(limit) {
            complete = false
            break
        }
        if ContinuousClock.now - lastProgress >= .seconds(15) {
            lastProgress = ContinuousClock.now
            let counters = Counters(statistics)
            say(
                String(format: "  %.0f s: ", seconds(since: started))
                    + "\(counters.opened) opened + \(counters.ended) ended shipped, cursor \(statistics.cursor(0)), "
                    + "\(counters.failures) failures")
        }
    }
    let elapsed = seconds(since: started)
    let finishedWall = Date()
    task.cancel()
    _ = try? await task.value
    let counters = Counters(statistics)

    var rows = 0
    var open = 0
    try await HistoryClient.run(connection, logger: logger) { client in
        let result = try await client.query(
            "SELECT count(*), count(*) FILTER (WHERE ended_at IS NULL) FROM portlease_holding WHERE instance = \(options.instance)",
            logger: logger
        ).collect()
        if let row = result.first { (rows, open) = try row.decode((Int, Int).self) }
    }
    if !complete {
        say(
            "\(options.instance): stopped after \(options.maxSeconds ?? 0) s (--max-seconds) at cursor "
                + "\(statistics.cursor(0)) of \(committed), \(rows) of the \(backfill) backfill holdings shipped")
    }
    say(
        "\(options.instance): \(rows) holdings in the database (\(rows - open) ended, \(open) open) shipped in "
            + String(format: "%.1f s = %.0f holdings/s", elapsed, Double(rows) / elapsed)
            + "; events \(counters.opened) opened + \(counters.ended) ended in \(counters.batches) transactions"
            + " (batch \(options.batch)), \(counters.failures) failures")
    // One line for the script to add up (wall-clock times in Unix ms).
    say(
        "RESULT instance=\(options.instance) rows=\(rows) seconds=\(String(format: "%.3f", elapsed)) "
            + "start_ms=\(Int64(startedWall.timeIntervalSince1970 * 1000)) "
            + "end_ms=\(Int64(finishedWall.timeIntervalSince1970 * 1000)) failures=\(counters.failures) "
            + "complete=\(complete ? 1 : 0)")
}

/// The shipper's counters, read from its Prometheus text (the public face of `ShippingStatistics`).
struct Counters {
    var opened = 0
    var ended = 0
    var batches = 0
    var failures = 0

    init(_ statistics: ShippingStatistics) {
        for line in statistics.render().split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let value = Int(parts[1]) else { continue }
            switch parts[0].prefix(while: { $0 != "{" }) {
            case "portlease_history_holdings_opened_total": opened += value
            case "portlease_history_holdings_ended_total": ended += value
            case "portlease_history_batches_total": batches += value
            case "portlease_history_failures_total": failures += value
            default: break
            }
        }
    }
}

func seconds(since start: ContinuousClock.Instant) -> Double {
    let duration = ContinuousClock.now - start
    return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// Prints `line` at once (unbuffered), so progress reaches a log file while a long run goes on.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
