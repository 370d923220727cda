import LeaseLog
import Logging
import PortLeaseControlPlane
import PortLeaseSystem
import PostgresNIO
import ServiceLifecycle

/// Ships every shard's holdings to PostgreSQL as the log's records open and end them: a
/// swift-service-lifecycle `Service` in `portlease serve`'s group.
///
/// **Never on the packet path.** It reads the shard logs' files (`HoldingFeed`, up to the
/// sequence each worker publishes as durable) on the control plane's nice-10 event loop, and
/// nothing on the packet path waits for it: a slow or dead database only makes it fall
/// behind. **Exactly once.** Each transaction writes a batch's rows and moves the shard's
/// cursor (instance, shard, sequence) past the records it covers; after a crash or restart
/// on either side the shipper starts again from the database's cursor. **Catch-up.**
/// Compaction folds only what the cursor has passed (``ShippingStatistics/cursor(_:)`` is
/// its limit), so after an outage the records are still in the segments and are shipped in
/// order, `batchSize` records a transaction, as fast as the database takes them.
///
/// Failures (database unreachable, a query refused) are logged, counted and retried with a
/// back-off of up to 30 s; they never end the process. The lag (records and seconds) is
/// published, and a warning is logged when it exceeds `lagAlarmSeconds`.
public final class HistoryShipper: Service, Sendable {
    /// How it ships.
    public struct Settings: Sendable {
        /// This server's name in the database; each server needs its own.
        public var instance: String
        /// Most log records folded into one transaction.
        public var batchSize: Int
        /// How long it waits for new records when it has caught up, in milliseconds.
        public var intervalMilliseconds: Int
        /// A warning is logged when the oldest unshipped record is older than this.
        public var lagAlarmSeconds: Int
        /// Day partitions that ended more than this many days ago are dropped; nil: never.
        public var retentionDays: Int?
        /// How long one exchange with the database may take before it counts as failed and is
        /// retried (postgres-nio waits for a connection for as long as the database is away).
        public var timeoutMilliseconds: Int

        public init(
            instance: String, batchSize: Int = 1000, intervalMilliseconds: Int = 200, lagAlarmSeconds: Int = 300,
            retentionDays: Int? = 180, timeoutMilliseconds: Int = 10_000
        ) {
            self.timeoutMilliseconds = timeoutMilliseconds
            self.instance = instance
            self.batchSize = batchSize
            self.intervalMilliseconds = intervalMilliseconds
            self.lagAlarmSeconds = lagAlarmSeconds
            self.retentionDays = retentionDays
        }
    }

    public let settings: Settings
    public let statistics: ShippingStatistics
    private let connection: HistoryConnection
    private let directories: [String]
    private let committed: @Sendable (Int) -> UInt64
    private let logger: Logger

    /// `directories[shard]` is each shard's log; `committed(shard)` its last durable sequence number.
    public init(
        connection: HistoryConnection, settings: Settings, directories: [String], statistics: ShippingStatistics,
        committed: @escaping @Sendable (Int) -> UInt64, logger: Logger
    ) {
        self.connection = connection
        self.settings = settings
        self.directories = directories
        self.statistics = statistics
        self.committed = committed
        self.logger = logger
    }

    public func run() async throws {
        await withTaskExecutorPreference(ControlPlane.taskExecutor) {
            let client = connection.makeClient(logger: logger)
            await withDiscardingTaskGroup { group in
                group.addTask { await client.run() }
                // Graceful shutdown cancels the loops (their waits end at once), then the client.
                await cancelWhenGracefulShutdown {
                    await withDiscardingTaskGroup { shards in
                        for shard in self.directories.indices {
                            shards.addTask { await self.follow(shard: shard, client: client) }
                        }
                        shards.addTask { await self.retain(client: client) }
                    }
                }
                group.cancelAll()
            }
        }
    }

    /// Ships one shard until cancelled or shut down.
    private func follow(shard: Int, client: PostgresClient) async {
        var state = ShardShipping(shard: shard)
        var backoff = 1.0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let moved = try await step(&state, client: client)
                backoff = 1
                if !moved { try await pause(milliseconds: settings.intervalMilliseconds) }
            } catch is CancellationError {
                return
            } catch {
                statistics.add(.failures, shard: shard)
                if case let failure as HistoryError = error, case .cursorMoved = failure {
                    logger.error("history shipping", metadata: ["shard": "\(shard)", "error": "\(failure)"])
                    state.feed = nil
                } else if error is LeaseLogError {
                    logger.error(
                        "history shipping cannot read the lease log; starting again from the database's cursor",
                        metadata: ["shard": "\(shard)", "error": "\(error)"])
                    state.feed = nil
                } else if state.failing == false {
                    logger.warning(
                        "history shipping failed; retrying",
                        metadata: ["shard": "\(shard)", "error": "\(Self.text(error))"])
                }
                state.failing = true
                updateLag(&state)
                do {
                    try await pause(milliseconds: Int(backoff * 1000))
                } catch {
                    return
                }
                backoff = min(backoff * 2, 30)
            }
        }
    }

    /// One step: open the feed if needed, read a batch if none is pending, ship it. Returns
    /// whether it shipped anything (false: caught up).
    private func step(_ state: inout ShardShipping, client: PostgresClient) async throws -> Bool {
        let shard = state.shard
        if state.feed == nil { try await open(&state, client: client) }
        guard let feed = state.feed else { return false }
        if state.batchEnd == state.shipped {
            var events: [HoldingEvent] = []
            let read = try feed.next(through: committed(shard), limit: settings.batchSize, into: &events)
            events.forEach { state.batch.add($0) }
            if read > 0 && state.oldestUnshipped == nil { state.oldestUnshipped = feed.firstTimeOfLastRead }
            state.batchEnd = feed.position
        }
        updateLag(&state)
        guard state.batchEnd > state.shipped else { return false }
        try await send(
            state.batch, shard: shard, from: state.shipped, to: state.batchEnd, idempotent: false, client: client)
        if state.failing {
            logger.info("history shipping resumed", metadata: ["shard": "\(shard)", "cursor": "\(state.batchEnd)"])
            state.failing = false
        }
        statistics.add(.batches, shard: shard)
        state.shipped = state.batchEnd
        state.batch.removeAll()
        state.oldestUnshipped = nil
        statistics.setCursor(shard, state.shipped)
        updateLag(&state)
        return true
    }

    /// Reads the cursor from the database and starts the feed there; ships any backfill.
    private func open(_ state: inout ShardShipping, client: PostgresClient) async throws {
        let shard = state.shard
        let instance = settings.instance
        let logger = logger
        let cursor = try await withDeadline {
            try await client.withConnection { connection in
                try await HistorySchema.check(connection, logger: logger)
                return try await connection.withTransaction(logger: logger) { connection in
                    try await HoldingBatch.lockCursor(on: connection, instance: instance, shard: shard, logger: logger)
                }
            }
        }
        let feed = try HoldingFeed(directory: directories[shard], after: cursor)
        statistics.setCursor(shard, cursor)
        if !feed.backfill.isEmpty {
            logger.notice(
                "history shipping: the lease log was compacted past the database's cursor; sending its snapshot and history",
                metadata: ["shard": "\(shard)", "cursor": "\(cursor)", "holdings": "\(feed.backfill.count)"])
            var start = 0
            while start < feed.backfill.count {
                let end = min(start + settings.batchSize, feed.backfill.count)
                var batch = HoldingBatch()
                feed.backfill[start..<end].forEach { batch.add($0) }
                try await send(
                    batch, shard: shard, from: cursor, to: end == feed.backfill.count ? feed.position : cursor,
                    idempotent: true, client: client)
                statistics.add(.batches, shard: shard)
                start = end
            }
            statistics.setCursor(shard, feed.position)
        }
        state.feed = feed
        state.shipped = feed.position
        state.batchEnd = feed.position
        state.batch.removeAll()
        logger.info("history shipping started", metadata: ["shard": "\(shard)", "cursor": "\(feed.position)"])
    }

    /// One transaction: check and lock the cursor, write the rows, move the cursor to `end`.
    private func send(
        _ batch: HoldingBatch, shard: Int, from start: UInt64, to end: UInt64, idempotent: Bool,
        client: PostgresClient
    ) async throws {
        let days = Array(batch.endDays).sorted()
        let instance = settings.instance
        let logger = logger
        try await withDeadline {
            try await HoldingBatch.ensureDays(days, client: client, logger: logger)
            try await client.withTransaction(logger: logger) { connection in
                let found = try await HoldingBatch.lockCursor(
                    on: connection, instance: instance, shard: shard, logger: logger)
                guard found == start else {
                    throw HistoryError.cursorMoved(instance: instance, shard: shard, expected: start, found: found)
                }
                try await batch.write(
                    on: connection, instance: instance, shard: shard, idempotent: idempotent, logger: logger)
                if end != start {
                    try await HoldingBatch.storeCursor(
                        end, on: connection, instance: instance, shard: shard, logger: logger)
                }
            }
        }
        statistics.add(.holdingsOpened, shard: shard, batch.openedCount)
        statistics.add(.holdingsEnded, shard: shard, batch.endedCount)
    }

    /// Publishes the lag and logs when it crosses the alarm.
    private func updateLag(_ state: inout ShardShipping) {
        let shard = state.shard
        let behind = committed(shard) > state.shipped ? Int(committed(shard) - state.shipped) : 0
        statistics.set(.lagRecords, shard: shard, behind)
        let now = SystemClock.wallClockMilliseconds()
        let seconds = behind == 0 ? 0 : state.oldestUnshipped.map { max(0, Int((now - $0) / 1000)) } ?? 0
        statistics.set(.lagSeconds, shard: shard, seconds)
        let alarm = seconds > settings.lagAlarmSeconds
        if alarm && !state.lagAlarm {
            logger.warning(
                "history shipping lags behind the lease log",
                metadata: [
                    "shard": "\(shard)", "records": "\(behind)", "seconds": "\(seconds)",
                    "bound": "\(settings.lagAlarmSeconds)",
                ])
        } else if !alarm && state.lagAlarm {
            logger.notice("history shipping caught up", metadata: ["shard": "\(shard)"])
        }
        state.lagAlarm = alarm
    }

    /// Drops the day partitions past the retention window, at start and then hourly.
    private func retain(client: PostgresClient) async {
        guard let days = settings.retentionDays else { return }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let rows = try await client.query(
                    "SELECT portlease_drop_days_before((now() AT TIME ZONE 'UTC')::date - \(Int32(days)))",
                    logger: logger)
                let dropped = try await rows.collect().first?.decode(Int32.self) ?? 0
                if dropped > 0 {
                    logger.info(
                        "history retention dropped day partitions",
                        metadata: ["partitions": "\(dropped)", "days": "\(days)"])
                }
            } catch {
                logger.debug("history retention not run", metadata: ["error": "\(Self.text(error))"])
            }
            do {
                try await pause(milliseconds: 3_600_000)
            } catch {
                return
            }
        }
    }

    /// `body`'s result, or a failure once ``Settings/timeoutMilliseconds`` have passed without one.
    private func withDeadline<Value: Sendable>(_ body: @escaping @Sendable () async throws -> Value) async throws
        -> Value
    {
        let milliseconds = settings.timeoutMilliseconds
        return try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .milliseconds(milliseconds))
                return nil
            }
            defer { group.cancelAll() }
            guard case .some(.some(let value)) = try await group.next() else {
                throw HistoryError.database("no answer within \(milliseconds) ms")
            }
            return value
        }
    }

    private func pause(milliseconds: Int) async throws {
        try await Task.sleep(for: .milliseconds(milliseconds))
    }

    /// An error as an operator reads it (postgres-nio's `PSQLError` hides the server's message in `description`).
    static func text(_ error: any Error) -> String {
        if let error = error as? PSQLError, let message = error.serverInfo?[.message] {
            return "\(message) (\(error.serverInfo?[.sqlState] ?? ""))"
        }
        return String(reflecting: error)
    }
}

/// What the shipper knows about one shard between steps.
struct ShardShipping {
    let shard: Int
    var feed: HoldingFeed?
    /// The cursor in the database.
    var shipped: UInt64 = 0
    /// The last record `batch` covers (== `shipped` when no batch is pending).
    var batchEnd: UInt64 = 0
    var batch = HoldingBatch()
    /// The time of the first record after `shipped`, once read.
    var oldestUnshipped: Int64?
    var failing = false
    var lagAlarm = false

    init(shard: Int) {
        self.shard = shard
    }
}
