import Foundation
import LeaseLog
import Logging
import PortLeaseTestSupport
import PortLeaseWire
import Synchronization
import Testing

@testable import PortLeaseHistory

/// History shipping against a real PostgreSQL (`TestPostgres`): three instances into one
/// database, exactly once across restarts, catch-up after an outage, retention, the trace query.
@Suite(.serialized, .enabled(if: TestPostgres.unavailable == nil, "\(TestPostgres.unavailable ?? "")"))
struct HistoryShipperTests {
    static let logger = Logger(label: "test")

    /// Midnight UTC `days` days ago, in ms: inside the shipper's retention window (180 days),
    /// which drops older day partitions while it runs.
    static func recent(days: Int64) -> Int64 {
        let day: Int64 = 86_400_000
        return (Int64(Date().timeIntervalSince1970 * 1000) / day - days) * day
    }

    /// Record n of instance `instance`: 40 clients over 4 addresses of the instance's own /24,
    /// binding, renewing (sometimes from a new subscriber address), releasing and expiring.
    static func record(_ n: Int, instance: Int, base: Int64) -> LeaseRecord {
        let client = n % 40
        let round = n / 40
        let events: [LeaseRecord.Event] = [.bind, .renew, .release, .bind, .renew, .expire]
        return LeaseRecord(
            event: events[round % events.count], time: base + Int64(n) * 60_000,
            clientKey: ClientKey(kind: .clientIdentifier, bytes: [0xFF, UInt8(instance), UInt8(client)]),
            subscriber: IPv6Address(
                high: 0x2001_0DB8_0000_0000 | UInt64(instance) << 16, low: UInt64(client + round % 2)),
            relay: RelayIdentity(
                linkAddress: IPv6Address(high: 0x2001_0DB8_FFFF_0000, low: UInt64(instance)),
                remoteID: [0, 0, 0, 9] + Array("line-\(client)".utf8),
                subscriberID: client % 2 == 1 ? Array("cust-\(client)".utf8) : nil),
            address: IPv4Address(198, 51, UInt8(100 + instance), UInt8(client % 4)), psid: UInt16(client % 16),
            psidLength: 4, psidOffset: 6, lifetime: 3600)
    }

    /// Writes records `range` of `instance` into `directory`'s log; returns the last sequence.
    @discardableResult
    static func write(_ range: ClosedRange<Int>, instance: Int, into directory: String, base: Int64) throws -> UInt64 {
        let log = try LeaseLog(directory: directory, options: LeaseLog.Options(segmentSize: 8192))
        defer { log.close() }
        for n in range {
            try log.append(record(n, instance: instance, base: base))
            if n % 13 == 0 { try log.commit() }
        }
        try log.commit()
        return log.lastCommitted
    }

    /// Every holding of a log, as the local trace answers it.
    static func localHoldings(_ directory: String, instance: Int) throws -> [TraceHolding] {
        let history = LeaseHistory(directory: directory)
        return try (0..<4).flatMap { try history.holdings(of: IPv4Address(198, 51, UInt8(100 + instance), UInt8($0))) }
    }

    /// Runs shippers for `directories` (instance i ships directory i) until `done` holds.
    static func ship(
        _ directories: [String], database: String, server: TestPostgres, committed: [UInt64],
        until done: @escaping @Sendable () throws -> Bool
    ) async throws -> [ShippingStatistics] {
        let connection = try HistoryConnection(url: server.url(database))
        let statistics = directories.map { _ in ShippingStatistics(shards: 1) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, directory) in directories.enumerated() {
                let shipper = HistoryShipper(
                    connection: connection,
                    settings: .init(instance: "pl-\(index)", batchSize: 50, intervalMilliseconds: 20),
                    directories: [directory], statistics: statistics[index], committed: { _ in committed[index] },
                    logger: logger)
                group.addTask { try await shipper.run() }
            }
            let deadline = ContinuousClock.now + .seconds(60)
            while try !done() {
                guard ContinuousClock.now < deadline else { throw TestPostgres.Failure("shipping did not finish") }
                try await Task.sleep(for: .milliseconds(50))
            }
            group.cancelAll()
        }
        return statistics
    }

    static func migrated(_ server: TestPostgres) async throws -> String {
        let database = try server.createDatabase()
        try await HistoryClient.run(try HistoryConnection(url: server.url(database)), logger: logger) { client in
            let first = try await HistorySchema.migrate(client, logger: logger)
            #expect(first == (0, HistorySchema.version))
            let again = try await HistorySchema.migrate(client, logger: logger)
            #expect(again == (HistorySchema.version, HistorySchema.version))
        }
        return database
    }

    /// (instance, client, start) of every row, and the number of rows.
    static func rowKeys(_ server: TestPostgres, _ database: String) throws -> [String] {
        try server.psql(
            database,
            "SELECT instance || ' ' || encode(client_id, 'hex') || ' ' || (extract(epoch FROM started_at) * 1000)::int8 "
                + "|| ' ' || coalesce(end_reason, 'held') FROM portlease_holding ORDER BY 1"
        ).split(separator: "\n").map(String.init)
    }

    static func expectedKeys(_ holdings: [(Int, TraceHolding)]) -> [String] {
        holdings.map { instance, holding in
            "pl-\(instance) \(holding.clientKey.withUnsafeBytes { HexBytes.text($0, separator: "") }) \(holding.start) \(holding.ended)"
        }.sorted()
    }

    @Test func threeInstancesShipEveryHoldingOnceAndTraceAnswersAcrossThem() async throws {
        let server = try #require(TestPostgres.shared)
        let database = try await Self.migrated(server)
        let base = Self.recent(days: 30)
        let directories = (0..<3).map { _ in NSTemporaryDirectory() + "ship-" + UUID().uuidString }
        defer { directories.forEach { try? FileManager.default.removeItem(atPath: $0) } }
        var committed: [UInt64] = []
        for (index, directory) in directories.enumerated() {
            committed.append(try Self.write(1...500, instance: index, into: directory, base: base))
        }
        // The first instance's log is partly compacted already: its feed starts from the snapshot.
        try LogCompactor(directory: directories[0]).compact()
        let statistics = try await Self.ship(directories, database: database, server: server, committed: committed) {
            (try? server.psql(database, "SELECT count(*) FROM portlease_cursor WHERE sequence = 500")) == "3"
        }
        let expected = try (0..<3).flatMap { index in
            try Self.localHoldings(directories[index], instance: index).map { (index, $0) }
        }
        #expect(try Self.rowKeys(server, database) == Self.expectedKeys(expected))
        #expect(statistics.allSatisfy { $0.cursor(0) == 500 })
        #expect(statistics[1].value(.holdingsOpened, shard: 0) > 0 && statistics[1].value(.holdingsEnded, shard: 0) > 0)

        // Who held instance 2's 198.51.102.1 port 1088 at the middle of the run? The same answer
        // as the local trace, from the database.
        let at = base + 250 * 60_000
        let local = try LeaseHistory(directory: directories[2]).holders(
            of: IPv4Address(198, 51, 102, 1), port: 1088, at: at)
        #expect(!local.isEmpty)
        var rows: [HistoryRow] = []
        try await HistoryClient.run(try HistoryConnection(url: server.url(database)), logger: Self.logger) { client in
            try await HistoryQuery(from: at, to: at + 1, address: IPv4Address(198, 51, 102, 1), port: 1088)
                .forEach(on: client, logger: Self.logger) { rows.append($0) }
        }
        // By the relay's Remote-ID ("line-5" behind enterprise 9): only client 5's holdings, of instance 2.
        var byRemoteID: [HistoryRow] = []
        try await HistoryClient.run(try HistoryConnection(url: server.url(database)), logger: Self.logger) { client in
            try await HistoryQuery(
                from: base, to: base + 1000 * 60_000, remoteID: [0, 0, 0, 9] + Array("line-5".utf8), instance: "pl-2"
            )
            .forEach(on: client, logger: Self.logger) { byRemoteID.append($0) }
        }
        #expect(!byRemoteID.isEmpty)
        #expect(byRemoteID.allSatisfy { $0.subscriberID == HexBytes.text(Array("cust-5".utf8), separator: "") })
        // By Subscriber-ID, over every instance: client 7's holdings on each of the three.
        var bySubscriberID: [HistoryRow] = []
        try await HistoryClient.run(try HistoryConnection(url: server.url(database)), logger: Self.logger) { client in
            try await HistoryQuery(from: base, to: base + 1000 * 60_000, subscriberID: Array("cust-7".utf8))
                .forEach(on: client, logger: Self.logger) { bySubscriberID.append($0) }
        }
        #expect(Set(bySubscriberID.map(\.instance)) == ["pl-0", "pl-1", "pl-2"])
        #expect(bySubscriberID.allSatisfy { $0.clientID.hasSuffix("07") })
        let withoutID = try server.psql(database, "SELECT count(*) FROM portlease_holding WHERE subscriber_id IS NULL")
        #expect(withoutID != "0")
        #expect(byRemoteID.allSatisfy { $0.clientID == "ff0205" && $0.remoteID == "00000009" + "6c696e652d35" })
        #expect(rows.map(\.start) == local.map(\.start))
        #expect(rows.allSatisfy { $0.instance == "pl-2" && $0.address == "198.51.102.1" })
        #expect(rows.map(\.clientID) == local.map { $0.clientKey.withUnsafeBytes { HexBytes.text($0, separator: "") } })
    }

    @Test func aRestartedShipperResumesAtTheDatabaseCursorWithNothingTwiceOrLost() async throws {
        let server = try #require(TestPostgres.shared)
        let database = try await Self.migrated(server)
        let base = Self.recent(days: 20)
        let directory = NSTemporaryDirectory() + "ship-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.write(1...300, instance: 0, into: directory, base: base)
        // Ship the first 300, stopped as soon as the cursor passes 100 (a kill in the middle).
        _ = try await Self.ship([directory], database: database, server: server, committed: [300]) {
            Int((try? server.psql(database, "SELECT coalesce(max(sequence), 0) FROM portlease_cursor")) ?? "0") ?? 0
                > 100
        }
        try Self.write(301...700, instance: 0, into: directory, base: base)
        _ = try await Self.ship([directory], database: database, server: server, committed: [700]) {
            (try? server.psql(database, "SELECT sequence FROM portlease_cursor")) == "700"
        }
        let expected = Self.expectedKeys(try Self.localHoldings(directory, instance: 0).map { (0, $0) })
        let found = try Self.rowKeys(server, database)
        #expect(
            found == expected, "missing \(Set(expected).subtracting(found)), extra \(Set(found).subtracting(expected))")
    }

    @Test func afterAnOutageShippingCatchesUpAndCompactionWaitsMeanwhile() async throws {
        let server = try TestPostgres()
        let database = try await Self.migrated(server)
        let base = Self.recent(days: 10)
        let directory = NSTemporaryDirectory() + "ship-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.write(1...200, instance: 1, into: directory, base: base)
        try server.stop()
        let connection = try HistoryConnection(url: server.url(database))
        let statistics = ShippingStatistics(shards: 1)
        let committed = Mutex<UInt64>(200)
        let shipper = HistoryShipper(
            connection: connection,
            settings: .init(instance: "pl-1", batchSize: 50, intervalMilliseconds: 20, timeoutMilliseconds: 300),
            directories: [directory], statistics: statistics, committed: { _ in committed.withLock { $0 } },
            logger: Self.logger)
        let task = Task { try await shipper.run() }
        // The database is down: nothing is shipped, and compaction limited to the cursor folds nothing.
        try Self.write(201...600, instance: 1, into: directory, base: base)
        committed.withLock { $0 = 600 }
        let failing = ContinuousClock.now + .seconds(20)
        while statistics.value(.failures, shard: 0) == 0 && ContinuousClock.now < failing {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(statistics.cursor(0) == 0)
        #expect(try LogCompactor(directory: directory).compact(through: statistics.cursor(0)) == nil)
        #expect(statistics.value(.failures, shard: 0) > 0)
        // Back up: it catches up alone (its back-off is at most 30 s; the first retries come sooner).
        try server.start()
        let deadline = ContinuousClock.now + .seconds(60)
        while statistics.cursor(0) < 600 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        task.cancel()
        _ = try? await task.value
        #expect(statistics.cursor(0) == 600)
        #expect(statistics.value(.lagRecords, shard: 0) == 0)
        let expected = try Self.localHoldings(directory, instance: 1).map { (1, $0) }
        #expect(try Self.rowKeys(server, database) == Self.expectedKeys(expected))
        try server.stop()
    }

    @Test func retentionDropsWholeDayPartitions() async throws {
        let server = try #require(TestPostgres.shared)
        let database = try await Self.migrated(server)
        try server.psql(
            database, "SELECT portlease_ensure_day(current_date - 200), portlease_ensure_day(current_date - 2)")
        try server.psql(
            database,
            """
            INSERT INTO portlease_holding (instance, shard, client_kind, client_id, address, psid_offset, psid_length, psid,
                subscriber, started_at, ended_at, end_reason)
            VALUES ('old', 0, 1, '\\x01', '198.51.100.1', 6, 4, 1, '2001:db8::1', now() - interval '201 days',
                    (current_date - 200)::timestamp AT TIME ZONE 'UTC' + interval '1 hour', 'release'),
                   ('new', 0, 1, '\\x02', '198.51.100.1', 6, 4, 1, '2001:db8::2', now() - interval '3 days',
                    (current_date - 2)::timestamp AT TIME ZONE 'UTC' + interval '1 hour', 'expiry'),
                   ('open', 0, 1, '\\x03', '198.51.100.1', 6, 4, 1, '2001:db8::3', now() - interval '300 days', NULL, NULL)
            """)
        #expect(try server.psql(database, "SELECT portlease_drop_days_before(current_date - 180)") == "1")
        #expect(
            try server.psql(database, "SELECT string_agg(instance, ',' ORDER BY instance) FROM portlease_holding")
                == "new,open")
        #expect(
            try server.psql(
                database, "SELECT to_regclass('portlease_holding_' || to_char(current_date - 200, 'YYYYMMDD')) IS NULL")
                == "t")
    }
}
