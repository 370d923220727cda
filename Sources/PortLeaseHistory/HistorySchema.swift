import Logging
import PostgresNIO

/// The history database's schema, as numbered migrations applied in order by
/// `portlease history migrate` (``migrate(_:logger:)``), and checked by every shipper at start.
///
/// One row per holding in `portlease_holding`, range-partitioned by `ended_at`: one partition
/// per UTC day of the end (`portlease_holding_YYYYMMDD`, created on demand by
/// `portlease_ensure_day`), and a default partition `portlease_holding_open` that holds the
/// holdings not ended yet (`ended_at IS NULL`, which its CHECK constraint states, so creating a
/// day partition need not scan it). Ending a holding moves its row into its day's partition;
/// retention (`portlease_drop_days_before`) drops whole day partitions. Every partition has the
/// indexes of the parent: (address, started_at) for "who held A:P at T", the client, the
/// subscriber's IPv6 address, the relay's Remote-ID and its Subscriber-ID. Times are `timestamptz` with
/// millisecond values; the port test is `portlease_port_in_set` (RFC 7597 section 5.1).
///
/// The shipping cursor of each (instance, shard) lives in `portlease_cursor`, written in the
/// same transaction as the rows it covers.
public enum HistorySchema {
    /// The version this PortLease writes and reads.
    public static let version = 2

    /// Migration `n` (1-based) takes the schema from version n-1 to n: its statements, in order.
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE portlease_cursor (
                instance text NOT NULL,
                shard smallint NOT NULL,
                sequence bigint NOT NULL,
                updated_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (instance, shard)
            )
            """,
            """
            CREATE TABLE portlease_holding (
                instance text NOT NULL,
                shard smallint NOT NULL,
                client_kind smallint NOT NULL CHECK (client_kind IN (1, 2)),
                client_id bytea NOT NULL,
                address inet NOT NULL CHECK (family(address) = 4),
                psid_offset smallint NOT NULL CHECK (psid_offset BETWEEN 0 AND 15),
                psid_length smallint NOT NULL CHECK (psid_length BETWEEN 0 AND 16 AND psid_offset + psid_length <= 16),
                psid integer NOT NULL CHECK (psid >= 0 AND psid < (1 << psid_length) OR psid_length = 16),
                subscriber inet NOT NULL,
                relay_link_address inet,
                interface_id bytea,
                remote_id bytea,
                started_at timestamptz NOT NULL,
                ended_at timestamptz,
                end_reason text CHECK (end_reason IN ('release', 'expiry', 'decline', 'reassignment', 'forced-release')),
                CHECK ((ended_at IS NULL) = (end_reason IS NULL))
            ) PARTITION BY RANGE (ended_at)
            """,
            """
            CREATE TABLE portlease_holding_open PARTITION OF portlease_holding DEFAULT
            """,
            """
            ALTER TABLE portlease_holding_open ADD CONSTRAINT portlease_holding_open_not_ended CHECK (ended_at IS NULL)
            """,
            """
            CREATE INDEX portlease_holding_address ON portlease_holding (address, started_at)
            """,
            """
            CREATE INDEX portlease_holding_client ON portlease_holding (client_kind, client_id, started_at)
            """,
            """
            CREATE INDEX portlease_holding_subscriber ON portlease_holding (subscriber, started_at)
            """,
            """
            CREATE INDEX portlease_holding_remote_id ON portlease_holding (remote_id, started_at)
                WHERE remote_id IS NOT NULL
            """,
            """
            CREATE FUNCTION portlease_port_in_set(port integer, psid_offset smallint, psid_length smallint, psid integer)
            RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
                SELECT psid_length = 0 OR (
                    (psid_offset = 0 OR (port >> (16 - psid_offset)) <> 0)
                    AND ((port >> (16 - psid_offset - psid_length)) & ((1 << psid_length) - 1)) = psid)
            $$
            """,
            """
            CREATE FUNCTION portlease_ensure_day(day date) RETURNS void LANGUAGE plpgsql AS $$
            DECLARE
                name text := 'portlease_holding_' || to_char(day, 'YYYYMMDD');
            BEGIN
                IF to_regclass(name) IS NOT NULL THEN RETURN; END IF;
                PERFORM pg_advisory_xact_lock(7341618);
                IF to_regclass(name) IS NOT NULL THEN RETURN; END IF;
                EXECUTE format('CREATE TABLE %I PARTITION OF portlease_holding FOR VALUES FROM (%L) TO (%L)',
                    name, day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC');
            END
            $$
            """,
            """
            CREATE FUNCTION portlease_drop_days_before(cutoff date) RETURNS integer LANGUAGE plpgsql AS $$
            DECLARE
                part record;
                dropped integer := 0;
            BEGIN
                PERFORM pg_advisory_xact_lock(7341618);
                FOR part IN
                    SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                    WHERE i.inhparent = 'portlease_holding'::regclass
                        AND c.relname ~ '^portlease_holding_[0-9]{8}$'
                        AND to_date(right(c.relname, 8), 'YYYYMMDD') < cutoff
                LOOP
                    EXECUTE format('DROP TABLE %I', part.relname);
                    dropped := dropped + 1;
                END LOOP;
                RETURN dropped;
            END
            $$
            """,
        ],
        // 2: the relay's Subscriber-ID (RFC 4580), once lease records carried it. Adding a
        // nullable column rewrites nothing; the partial index holds only rows that have one.
        [
            "ALTER TABLE portlease_holding ADD COLUMN subscriber_id bytea",
            """
            CREATE INDEX portlease_holding_subscriber_id ON portlease_holding (subscriber_id, started_at)
                WHERE subscriber_id IS NOT NULL
            """,
        ],
    ]

    /// Applies the migrations the database lacks, in one transaction (with an advisory lock, so
    /// that two hosts migrating at once do not both apply one). Returns the versions before and after.
    @discardableResult
    public static func migrate(_ client: PostgresClient, logger: Logger) async throws -> (from: Int, to: Int) {
        try await migrate(client, upTo: version, logger: logger)
    }

    /// Applies the migrations up to version `target` (tests start from an older schema with it).
    static func migrate(_ client: PostgresClient, upTo target: Int, logger: Logger) async throws -> (from: Int, to: Int)
    {
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(7341617)", logger: logger)
                try await connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS portlease_schema (
                        version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
                    """, logger: logger)
                let found = try await currentVersion(connection, logger: logger)
                if found > version { throw HistoryError.schemaTooNew(found: found, known: version) }
                for next in (found + 1)...max(found + 1, target) where next <= target {
                    for statement in migrations[next - 1] {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(
                        "INSERT INTO portlease_schema (version) VALUES (\(next))", logger: logger)
                }
                return (found, max(found, target))
            }
        } catch let error as HistoryError {
            throw error
        } catch let error as PostgresTransactionError {
            // A refusal from inside the transaction (a schema newer than this release) reaches the
            // caller as itself, not wrapped in the rollback that followed it.
            if let refusal = error.closureError as? HistoryError { throw refusal }
            throw HistoryError.database(String(reflecting: error))
        } catch {
            throw HistoryError.database(String(reflecting: error))
        }
    }

    /// Throws unless the database has exactly this version's schema.
    static func check(_ connection: PostgresConnection, logger: Logger) async throws {
        let exists =
            try await connection.query(
                "SELECT to_regclass('portlease_schema') IS NOT NULL", logger: logger
            ).collect().first?.decode(Bool.self) ?? false
        let found = exists ? try await currentVersion(connection, logger: logger) : 0
        if found < version { throw HistoryError.schemaTooOld(found: found, needed: version) }
        if found > version { throw HistoryError.schemaTooNew(found: found, known: version) }
    }

    private static func currentVersion(_ connection: PostgresConnection, logger: Logger) async throws -> Int {
        let rows = try await connection.query("SELECT coalesce(max(version), 0) FROM portlease_schema", logger: logger)
        return Int(try await rows.collect().first?.decode(Int32.self) ?? 0)
    }
}
