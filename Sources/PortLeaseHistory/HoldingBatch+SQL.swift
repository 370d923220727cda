import Logging
import PostgresNIO

extension HoldingBatch {
    /// Writes the batch on `connection` (inside the caller's transaction): the ends of open rows,
    /// then the rows the database lacks.
    func write(on connection: PostgresConnection, instance: String, shard: Int, logger: Logger) async throws {
        let shard = Int16(shard)
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
            try await Self.insertMissing(ends, on: connection, instance: instance, shard: shard, logger: logger)
        }
        if rows.count > 0 {
            try await Self.insertMissing(rows, on: connection, instance: instance, shard: shard, logger: logger)
        }
    }

    /// Inserts each row unless the database has a holding of that client starting then.
    private static func insertMissing(
        _ columns: Columns, on connection: PostgresConnection, instance: String, shard: Int16, logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO portlease_holding (instance, shard, client_kind, client_id, address, psid_offset, psid_length,
                psid, subscriber, relay_link_address, interface_id, remote_id, started_at, ended_at, end_reason)
            SELECT \(instance), \(shard), u.kind, u.id, u.address::inet, u.psid_offset, u.psid_length, u.psid,
                u.subscriber::inet, NULLIF(u.link, '')::inet, NULLIF(u.interface_id, ''::bytea),
                NULLIF(u.remote_id, ''::bytea), s.started_at,
                CASE WHEN u.reason = '' THEN NULL
                    ELSE 'epoch'::timestamptz + u.ended_ms * interval '1 millisecond' END,
                NULLIF(u.reason, '')
            FROM unnest(\(columns.clientKind)::int2[], \(columns.clientID)::bytea[], \(columns.address)::text[],
                \(columns.psidOffset)::int2[], \(columns.psidLength)::int2[], \(columns.psid)::int4[],
                \(columns.subscriber)::text[], \(columns.linkAddress)::text[], \(columns.interfaceID)::bytea[],
                \(columns.remoteID)::bytea[], \(columns.startedAt)::int8[], \(columns.endedAt)::int8[],
                \(columns.reason)::text[])
                AS u(kind, id, address, psid_offset, psid_length, psid, subscriber, link, interface_id, remote_id,
                    started_ms, ended_ms, reason)
            CROSS JOIN LATERAL (SELECT 'epoch'::timestamptz + u.started_ms * interval '1 millisecond' AS started_at) s
            WHERE NOT EXISTS (
                SELECT 1 FROM portlease_holding h
                WHERE h.instance = \(instance) AND h.client_kind = u.kind AND h.client_id = u.id
                    AND h.started_at = s.started_at AND (h.ended_at IS NULL OR h.ended_at >= s.started_at))
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
