import Foundation
import LeaseLog
import Logging
import PortLeaseTestSupport
import Testing

@testable import PortLeaseHistory

/// Schema upgrades against a real PostgreSQL: a database a release before wrote keeps its rows
/// and partitions, gains what the new version ships, and a server refuses it until migrated.
@Suite(.enabled(if: TestPostgres.unavailable == nil, "\(TestPostgres.unavailable ?? "")"))
struct HistorySchemaTests {
    static let logger = Logger(label: "test")

    @Test func versionOneUpgradesInPlaceAndThenTakesSubscriberIDs() async throws {
        let server = try #require(TestPostgres.shared)
        let database = try server.createDatabase()
        let connection = try HistoryConnection(url: server.url(database))
        try await HistoryClient.run(connection, logger: Self.logger) { client in
            let versions = try await HistorySchema.migrate(client, upTo: 1, logger: Self.logger)
            #expect(versions == (0, 1))
        }
        // Version 1's data: one ended holding in a day partition, one open.
        try server.psql(
            database,
            """
            SELECT portlease_ensure_day(current_date - 1);
            INSERT INTO portlease_holding (instance, shard, client_kind, client_id, address, psid_offset, psid_length,
                psid, subscriber, remote_id, started_at, ended_at, end_reason)
            VALUES ('old', 0, 1, '\\x01', '198.51.100.1', 6, 4, 1, '2001:db8::1', '\\x0000000961', now() - interval '2 days',
                    (current_date - 1)::timestamp AT TIME ZONE 'UTC' + interval '1 hour', 'release'),
                   ('old', 0, 1, '\\x02', '198.51.100.2', 6, 4, 2, '2001:db8::2', NULL, now() - interval '1 hour',
                    NULL, NULL)
            """)
        // A server of this release refuses to ship to it, and says how to fix that.
        await #expect(throws: HistoryError.schemaTooOld(found: 1, needed: HistorySchema.version)) {
            try await HistoryClient.run(connection, logger: Self.logger) { client in
                try await client.withConnection { try await HistorySchema.check($0, logger: Self.logger) }
            }
        }
        try await HistoryClient.run(connection, logger: Self.logger) { client in
            let versions = try await HistorySchema.migrate(client, logger: Self.logger)
            #expect(versions == (1, HistorySchema.version))
            try await client.withConnection { try await HistorySchema.check($0, logger: Self.logger) }
        }
        #expect(
            try server.psql(
                database,
                "SELECT string_agg(encode(client_id, 'hex') || '=' || coalesce(encode(subscriber_id, 'hex'), 'null'), ',' "
                    + "ORDER BY client_id) FROM portlease_holding") == "01=null,02=null")
        // Every partition, the open one and the day, has the new column's index.
        #expect(
            try server.psql(
                database,
                "SELECT count(*) FROM pg_indexes WHERE tablename LIKE 'portlease_holding_%' "
                    + "AND indexdef LIKE '%(subscriber_id, started_at)%'") == "2")

        // Records that carry a Subscriber-ID ship it into the upgraded table.
        let directory = NSTemporaryDirectory() + "schema-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let base = HistoryShipperTests.recent(days: 3)
        let last = try HistoryShipperTests.write(1...80, instance: 1, into: directory, base: base)
        _ = try await HistoryShipperTests.ship([directory], database: database, server: server, committed: [last]) {
            (try? server.psql(database, "SELECT count(*) FROM portlease_cursor WHERE sequence = \(last)")) == "1"
        }
        #expect(
            try server.psql(
                database,
                "SELECT count(*) FROM portlease_holding WHERE instance = 'pl-0' AND subscriber_id = '\\x637573742d33'")
                != "0")
    }

    @Test func aSchemaNewerThanThisReleaseIsRefused() async throws {
        let server = try #require(TestPostgres.shared)
        let database = try server.createDatabase()
        let connection = try HistoryConnection(url: server.url(database))
        try await HistoryClient.run(connection, logger: Self.logger) { client in
            try await HistorySchema.migrate(client, logger: Self.logger)
        }
        try server.psql(database, "INSERT INTO portlease_schema (version) VALUES (\(HistorySchema.version + 1))")
        await #expect(
            throws: HistoryError.schemaTooNew(found: HistorySchema.version + 1, known: HistorySchema.version)
        ) {
            try await HistoryClient.run(connection, logger: Self.logger) { client in
                try await HistorySchema.migrate(client, logger: Self.logger)
            }
        }
    }
}
