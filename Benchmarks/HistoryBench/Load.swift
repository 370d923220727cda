import Foundation
import LeaseLog
import Logging
import NIOCore
import PortLeaseHistory
import PortLeaseWire
import PostgresNIO

/// Writes one shard's holdings into the database the fast way, for when shipping them all through
/// `HistoryShipper` would take too long for a benchmark run (its backfill costs one index probe
/// per day partition from each holding's start on; see history-results.md): the same holdings
/// (`HoldingFeed`'s backfill, then every record up to the last committed one, folded as
/// `HoldingBatch` folds them: an end sets `ended_at`/`end_reason` of the row it ends), inserted
/// with plain multi-row `INSERT`s, no duplicate check. Replaces whatever the instance had and sets
/// its cursor to the last committed record, so a shipper started afterwards would go on from there.
/// `history-trace.sh` checks it against a shipped instance (`EXCEPT ALL` both ways).
func load(_ options: BenchOptions, logger: Logger) async throws {
    let connection = try HistoryConnection(url: options.database)
    let started = ContinuousClock.now
    let committed = try LeaseLog.recover(directory: options.directory).lastSequence
    let feed = try HoldingFeed(directory: options.directory, after: 0)
    var rows: [(holding: TraceHolding, end: HoldingEnd?)] = []
    var opened: [HoldingKey: Int] = [:]
    func add(_ event: HoldingEvent) {
        let key = HoldingKey(client: event.holding.clientKey, start: event.holding.start)
        switch event.kind {
        case .opened:
            opened[key] = rows.count
            rows.append((event.holding, nil))
        case .ended:
            if let index = opened.removeValue(forKey: key) {
                rows[index].holding.end = event.holding.end
                rows[index].end = event.holding.ended
            } else {
                rows.append((event.holding, event.holding.ended))
            }
        }
    }
    feed.backfill.forEach(add)
    var events: [HoldingEvent] = []
    while feed.position < committed {
        events.removeAll(keepingCapacity: true)
        guard try feed.next(through: committed, limit: 1_000_000, into: &events) > 0 else { break }
        events.forEach(add)
    }
    let readSeconds = seconds(since: started)

    let instance = options.instance
    let days = Set(rows.compactMap { row in row.end.map { _ in dayStart(row.holding.end) } }).sorted()
    let insertStarted = ContinuousClock.now
    try await HistoryClient.run(connection, logger: logger) { client in
        _ = try await HistorySchema.migrate(client, logger: logger)
        try await client.query("DELETE FROM portlease_holding WHERE instance = \(instance)", logger: logger)
        try await client.query("DELETE FROM portlease_cursor WHERE instance = \(instance)", logger: logger)
        try await client.query(
            """
            SELECT portlease_ensure_day((('epoch'::timestamptz + ms * interval '1 millisecond') AT TIME ZONE 'UTC')::date)
            FROM unnest(\(days)::int8[]) AS ms
            """, logger: logger)
        var start = 0
        while start < rows.count {
            let end = min(start + 10_000, rows.count)
            try await insert(rows[start..<end], instance: instance, on: client, logger: logger)
            start = end
        }
        try await client.query(
            "INSERT INTO portlease_cursor (instance, shard, sequence) VALUES (\(instance), \(Int16(0)), \(Int64(committed)))",
            logger: logger)
    }
    let insertSeconds = seconds(since: insertStarted)
    say(
        "\(instance): loaded \(rows.count) holdings (\(rows.count { $0.end != nil }) ended) from \(options.directory): "
            + String(
                format: "read and folded in %.1f s, inserted in %.1f s = %.0f holdings/s; cursor set to %llu",
                readSeconds, insertSeconds, Double(rows.count) / insertSeconds, committed))
}

struct HoldingKey: Hashable {
    var client: ClientKey
    var start: Int64
}

private func dayStart(_ milliseconds: Int64) -> Int64 {
    let day: Int64 = 86_400_000
    return (milliseconds >= 0 ? milliseconds / day : (milliseconds - day + 1) / day) * day
}

private func insert(
    _ rows: ArraySlice<(holding: TraceHolding, end: HoldingEnd?)>, instance: String, on client: PostgresClient,
    logger: Logger
) async throws {
    var kind: [Int16] = []
    var id: [ByteBuffer] = []
    var address: [String] = []
    var offset: [Int16] = []
    var length: [Int16] = []
    var psid: [Int32] = []
    var subscriber: [String] = []
    var link: [String] = []
    var interface: [ByteBuffer] = []
    var remote: [ByteBuffer] = []
    var startedAt: [Int64] = []
    var endedAt: [Int64] = []
    var reason: [String] = []
    for (holding, end) in rows {
        kind.append(Int16(holding.clientKey.kind.rawValue))
        id.append(holding.clientKey.withUnsafeBytes { ByteBuffer(bytes: $0) })
        address.append("\(holding.address)")
        offset.append(Int16(holding.psidOffset))
        length.append(Int16(holding.psidLength))
        psid.append(Int32(holding.psid))
        subscriber.append("\(holding.subscriber)")
        link.append(holding.relay.linkAddress.map { "\($0)" } ?? "")
        interface.append(ByteBuffer(bytes: holding.relay.interfaceID ?? []))
        remote.append(ByteBuffer(bytes: holding.relay.remoteID ?? []))
        startedAt.append(holding.start)
        endedAt.append(end == nil ? 0 : holding.end)
        reason.append(end.map { $0 == .held ? "" : $0.description } ?? "")
    }
    try await client.query(
        """
        INSERT INTO portlease_holding (instance, shard, client_kind, client_id, address, psid_offset, psid_length,
            psid, subscriber, relay_link_address, interface_id, remote_id, started_at, ended_at, end_reason)
        SELECT \(instance), 0::int2, u.kind, u.id, u.address::inet, u.psid_offset, u.psid_length, u.psid,
            u.subscriber::inet, NULLIF(u.link, '')::inet, NULLIF(u.interface_id, ''::bytea),
            NULLIF(u.remote_id, ''::bytea), 'epoch'::timestamptz + u.started_ms * interval '1 millisecond',
            CASE WHEN u.reason = '' THEN NULL ELSE 'epoch'::timestamptz + u.ended_ms * interval '1 millisecond' END,
            NULLIF(u.reason, '')
        FROM unnest(\(kind)::int2[], \(id)::bytea[], \(address)::text[], \(offset)::int2[], \(length)::int2[],
            \(psid)::int4[], \(subscriber)::text[], \(link)::text[], \(interface)::bytea[], \(remote)::bytea[],
            \(startedAt)::int8[], \(endedAt)::int8[], \(reason)::text[])
            AS u(kind, id, address, psid_offset, psid_length, psid, subscriber, link, interface_id, remote_id,
                started_ms, ended_ms, reason)
        """, logger: logger)
}
