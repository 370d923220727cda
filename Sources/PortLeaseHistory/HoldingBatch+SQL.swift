import Logging
import PostgresNIO

extension HoldingBatch {
    /// Writes the batch on `connection` (inside the caller's transaction): the ends of open
    /// rows, then the new rows. `idempotent` (a backfill, whose holdings may be in the database
    /// already): an end whose row is missing is inserted ended, and no row is inserted twice.
    ///
    /// Joins are nested loops (`SET LOCAL`): each of a batch's rows is then one index probe
    /// ((client_kind, client_id, started_at) of the open partition, or of the day partitions
    /// from its start on), where a hash join would read a whole partition per batch, a cost
    /// that grows with the history (measured: `Benchmarks/history-results.md`).
    func write(
        on connection: PostgresConnection, instance: String, shard: Int, idempotent: Bool, logger: Logger
    ) async throws {
        let shard = Int16(shard)
        try await connection.query("SET LOCAL enable_hashjoin = off", logger: logger)
        try await connection.query("SET LOCAL enable_mergejoin = off", logger: logger)
        if ends.count > 0 {
            try await connection.query(
                """
                UPDATE portlease_holding AS h
                SET ended_at = 'epoch'::timestamptz + u.ended_ms * interval '1 millisecond', end_reason = u.reason
                FROM unnest(\(ends.clientKind)::int2[], \(ends.clientID)::bytea[], \(ends.startedAt)::int8[],
                    \(ends.endedAt)::int8[], \(ends.reason)::text[]) AS u(kind, id, started_ms, ended_ms, reason)
                WHERE h.ended_at IS NULL AND h.instance = \(instance) AND h.client_kind = u.kind AND h.client_id = u.id
                    AND h.started_at = 'epoch'::timestamptz + u.started_ms * interval '1 millisecond'
                """, logger: logger)
            if idempotent {
                try await Self.insert(
                    ends, onlyMissing: .ended, on: connection, instance: instance, shard: shard, logger: logger)
            }
        }
        if rows.count > 0 && !idempotent {
            try await Self.insert(
                rows, onlyMissing: nil, on: connection, instance: instance, shard: shard, logger: logger)
        } else if rows.count > 0 {
            for ended in [true, false] {
                let subset = rows.filter { !$0.isEmpty == ended }
                guard subset.count > 0 else { continue }
                try await Self.insert(
                    subset, onlyMissing: ended ? .ended : .open, on: connection, instance: instance, shard: shard,
                    logger: logger)
            }
        }
    }

    /// Which duplicate check an idempotent insert makes.
    enum Missing {
        /// The rows are ended: a copy is open, or ended at the same instant (one day partition).
        case ended
        /// The rows are open: a copy is open, or ended at any time since the start.
        case open
    }

    /// Inserts the rows; with `onlyMissing`, each unless the database has a holding of that
    /// client starting then. The check of an ended row looks in its own day partition only (a
    /// backfill of 1,000 old holdings: 2,000 index probes instead of 176,000, measured in
    /// `Benchmarks/history-results.md`).
    private static func insert(
        _ columns: Columns, onlyMissing: Missing?, on connection: PostgresConnection, instance: String, shard: Int16,
        logger: Logger
    ) async throws {
        // `$1` is the instance: the statement's first bind (its select list's first column).
        let copy: String
        switch onlyMissing {
        case .ended: copy = "h.ended_at = 'epoch'::timestamptz + u.ended_ms * interval '1 millisecond'"
        case .open: copy = "h.ended_at >= s.started_at"
        case nil: copy = ""
        }
        let missing =
            onlyMissing == nil
            ? ""
            : """
            WHERE NOT EXISTS (
                SELECT 1 FROM portlease_holding h
                WHERE h.instance = $1 AND h.client_kind = u.kind AND h.client_id = u.id
                    AND h.started_at = s.started_at AND (h.ended_at IS NULL OR \(copy)))
            """
        try await connection.query(
            """
            INSERT INTO portlease_holding (instance, shard, client_kind, client_id, address, psid_offset, psid_length,
                psid, subscriber, relay_link_address, interface_id, remote_id, subscriber_id, started_at, ended_at,
                end_reason)
            SELECT \(instance), \(shard), u.kind, u.id, u.address::inet, u.psid_offset, u.psid_length, u.psid,
                u.subscriber::inet, NULLIF(u.link, '')::inet, NULLIF(u.interface_id, ''::bytea),
                NULLIF(u.remote_id, ''::bytea), NULLIF(u.subscriber_id, ''::bytea), s.started_at,
                CASE WHEN u.reason = '' THEN NULL
                    ELSE 'epoch'::timestamptz + u.ended_ms * interval '1 millisecond' END,
                NULLIF(u.reason, '')
            FROM unnest(\(columns.clientKind)::int2[], \(columns.clientID)::bytea[], \(columns.address)::text[],
                \(columns.psidOffset)::int2[], \(columns.psidLength)::int2[], \(columns.psid)::int4[],
                \(columns.subscriber)::text[], \(columns.linkAddress)::text[], \(columns.interfaceID)::bytea[],
                \(columns.remoteID)::bytea[], \(columns.subscriberID)::bytea[], \(columns.startedAt)::int8[],
                \(columns.endedAt)::int8[], \(columns.reason)::text[])
                AS u(kind, id, address, psid_offset, psid_length, psid, subscriber, link, interface_id, remote_id,
                    subscriber_id, started_ms, ended_ms, reason)
            CROSS JOIN LATERAL (SELECT 'epoch'::timestamptz + u.started_ms * interval '1 millisecond' AS started_at) s
            \(unescaped: missing)
            """, logger: logger)
    }

    /// Creates the day partitions the batch's ended holdings need (outside the batch's
    /// transaction: partition DDL takes locks the other instances' inserts wait for).
    static func ensureDays(_ days: [Int64], client: PostgresClient, logger: Logger) async throws {
        guard !days.isEmpty else { return }
        try await client.query(
            """
            SELECT portlease_ensure_day((('epoch'::timestamptz + ms * interval '1 millisecond') AT TIME ZONE 'UTC')::date)
            FROM unnest(\(days)::int8[]) AS ms
            """, logger: logger)
    }

    /// Locks the cursor row of (instance, shard) and returns its sequence (0 when there is none).
    static func lockCursor(on connection: PostgresConnection, instance: String, shard: Int, logger: Logger)
        async throws -> UInt64
    {
        let rows = try await connection.query(
            "SELECT sequence FROM portlease_cursor WHERE instance = \(instance) AND shard = \(Int16(shard)) FOR UPDATE",
            logger: logger)
        return UInt64(try await rows.collect().first?.decode(Int64.self) ?? 0)
    }

    /// Sets the cursor of (instance, shard) to `sequence`.
    static func storeCursor(
        _ sequence: UInt64, on connection: PostgresConnection, instance: String, shard: Int, logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO portlease_cursor (instance, shard, sequence) VALUES (\(instance), \(Int16(shard)), \(Int64(sequence)))
            ON CONFLICT (instance, shard) DO UPDATE SET sequence = EXCLUDED.sequence, updated_at = now()
            """, logger: logger)
    }
}
