import Logging
import NIOCore
import PortLeaseWire
import PostgresNIO

/// A question to the history database across every instance: the holdings that overlap a
/// time window, narrowed by address (and port), client, subscriber prefix, Remote-ID or Subscriber-ID.
///
/// "Who used 198.51.100.7 port 40123 at 14:02 on 3 March?" is `address` + `port` and a window
/// of one millisecond. The address filter uses the (address, started_at) index of each day
/// partition from the window's start on (the partitions of earlier days cannot hold a holding
/// that ended after it); the port is tested on the PSID fields (`portlease_port_in_set`).
public struct HistoryQuery: Sendable, Equatable {
    /// Milliseconds since the epoch: holdings that overlap `from ..< to`.
    public var from: Int64
    public var to: Int64
    public var address: IPv4Address?
    /// Only the port set holding this port (with `address`).
    public var port: UInt16?
    public var client: ClientKey?
    /// An IPv6 address or prefix (`2001:db8:1::/48`): holdings whose subscriber address is in it.
    public var subscriber: String?
    /// The relay's Remote-ID option contents (enterprise number and id).
    public var remoteID: [UInt8]?
    /// The relay's Subscriber-ID option contents (RFC 4580).
    public var subscriberID: [UInt8]?
    /// Only this instance's holdings.
    public var instance: String?

    public init(
        from: Int64, to: Int64, address: IPv4Address? = nil, port: UInt16? = nil, client: ClientKey? = nil,
        subscriber: String? = nil, remoteID: [UInt8]? = nil, subscriberID: [UInt8]? = nil,
        instance: String? = nil
    ) {
        self.from = from
        self.to = to
        self.address = address
        self.port = port
        self.client = client
        self.subscriber = subscriber
        self.remoteID = remoteID
        self.subscriberID = subscriberID
        self.instance = instance
    }

    /// The statement, or why the question cannot be asked.
    func statement() throws(HistoryError) -> PostgresQuery {
        guard from < to else { throw .invalidQuery("the window's end must be after its start") }
        if port != nil && address == nil { throw .invalidQuery("a port needs an address") }
        var binds = PostgresBindings()
        var conditions: [String] = []
        func bind(_ value: some PostgresNonThrowingEncodable & Sendable, _ condition: (String) -> String) {
            binds.append(value)
            conditions.append(condition("$\(binds.count)"))
        }
        // The window's bounds as IMMUTABLE expressions (timestamp + interval, then read as UTC): the
        // planner folds them to constants and prunes the day partitions ended before the window
        // itself. `timestamptz + interval` is only STABLE (it depends on the session's time zone),
        // which leaves the pruning to the executor's start, after every partition has been planned:
        // 17 ms of planning instead of 3.4 ms over 182 day partitions (Benchmarks/history-results.md).
        bind(to) { "started_at < timezone('UTC', 'epoch'::timestamp + \($0)::int8 * interval '1 millisecond')" }
        bind(from) {
            "(ended_at IS NULL OR ended_at > timezone('UTC', 'epoch'::timestamp + \($0)::int8 * interval '1 millisecond'))"
        }
        if let address { bind("\(address)") { "address = \($0)::inet" } }
        if let port { bind(Int32(port)) { "portlease_port_in_set(\($0)::int4, psid_offset, psid_length, psid)" } }
        if let client {
            bind(Int16(client.kind.rawValue)) { "client_kind = \($0)::int2" }
            bind(client.withUnsafeBytes { ByteBuffer(bytes: $0) }) { "client_id = \($0)::bytea" }
        }
        if let subscriber { bind(subscriber) { "subscriber <<= \($0)::inet" } }
        if let remoteID { bind(ByteBuffer(bytes: remoteID)) { "remote_id = \($0)::bytea" } }
        if let subscriberID { bind(ByteBuffer(bytes: subscriberID)) { "subscriber_id = \($0)::bytea" } }
        if let instance { bind(instance) { "instance = \($0)" } }
        let sql = """
            SELECT instance, shard, client_kind, encode(client_id, 'hex'), host(address), psid_offset, psid_length, psid,
                host(subscriber), host(relay_link_address), encode(interface_id, 'hex'), encode(remote_id, 'hex'),
                encode(subscriber_id, 'hex'),
                (extract(epoch FROM started_at) * 1000)::int8, (extract(epoch FROM ended_at) * 1000)::int8, end_reason
            FROM portlease_holding
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY started_at, instance, shard, client_id
            """
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    /// The database's plan for this query as it runs: `EXPLAIN (ANALYZE, BUFFERS)` of the same
    /// statement with the same parameters, one line of the plan a string (for checking that
    /// partition pruning and the indexes are used; `Benchmarks/HistoryBench` keeps one).
    public func explain(on client: PostgresClient, logger: Logger) async throws -> [String] {
        let query = try statement()
        let explained = PostgresQuery(unsafeSQL: "EXPLAIN (ANALYZE, BUFFERS) " + query.sql, binds: query.binds)
        var lines: [String] = []
        for try await row in try await client.query(explained, logger: logger) {
            lines.append(try row.decode(String.self))
        }
        return lines
    }

    /// Runs the query, handing each row to `body` as it arrives (an export may be millions).
    public func forEach(
        on client: PostgresClient, logger: Logger, _ body: (HistoryRow) throws -> Void
    ) async throws {
        let rows = try await client.query(try statement(), logger: logger)
        for try await row in rows {
            let (
                instance, shard, kind, id, address, offset, length, psid, subscriber, link, interfaceID, remoteID,
                subscriberID, start, end, reason
            ) = try row.decode(
                (
                    String, Int16, Int16, String, String, Int16, Int16, Int32, String, String?, String?, String?,
                    String?,
                    Int64, Int64?, String?
                ).self)
            try body(
                HistoryRow(
                    instance: instance, shard: Int(shard), clientKind: kind == 1 ? "id" : "hw", clientID: id,
                    address: address, psidOffset: Int(offset), psidLength: Int(length), psid: Int(psid),
                    subscriber: subscriber, relayLinkAddress: link, interfaceID: interfaceID, remoteID: remoteID,
                    subscriberID: subscriberID,
                    start: start, end: end, endReason: reason))
        }
    }
}
