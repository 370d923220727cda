import Foundation
import GeneratorSupport
import Logging
import NIOCore
import PortLeaseHistory
import PortLeaseWire
import PostgresNIO

/// A holding drawn from the database, to build queries that find something.
struct Sample {
    var address: IPv4Address
    var psidOffset: Int
    var psidLength: Int
    var psid: Int
    var client: ClientKey
    var subscriber: IPv6Address
    var start: Int64
    /// The end, or nil while held.
    var end: Int64?
}

/// Times `HistoryQuery` (through `forEach`, rows decoded as `portlease trace --database` does)
/// over what the database holds:
/// - `queries` address + port + time questions (a one-millisecond window): most at a time inside
///   a holding drawn at random from the table, with a port of its port set (each must find at
///   least that holding), the rest (`uniformShare`) on a drawn address at a uniform time over the
///   whole window with any port above 1023 (they may find nobody);
/// - `clientQueries` by client and `prefixQueries` by subscriber /64 (of drawn holdings), each
///   over the whole window.
/// The first query is reported apart (the first touch of this connection and of the plan cache).
/// Then `EXPLAIN (ANALYZE, BUFFERS)` of one query of each kind.
func trace(_ options: BenchOptions, logger: Logger) async throws {
    let connection = try HistoryConnection(url: options.database)
    try await HistoryClient.run(connection, logger: logger) { client in
        let clock = ContinuousClock.now
        let window = try await client.query(
            """
            SELECT count(*)::int8, (extract(epoch FROM min(started_at)) * 1000)::int8,
                (extract(epoch FROM greatest(max(started_at), max(ended_at))) * 1000)::int8
            FROM portlease_holding
            """, logger: logger
        ).collect()
        guard let first = window.first else { throw BenchError("no rows") }
        let (rows, windowStart, windowEnd) = try first.decode((Int, Int64, Int64).self)
        guard rows > 0 else { throw BenchError("the database holds no holdings: run ship first") }
        say(
            "database: \(rows) holdings from \(isoTime(windowStart)) to \(isoTime(windowEnd)) "
                + String(format: "(counted in %.1f s)", seconds(since: clock)))

        // Draw holdings: a Bernoulli sample of about 4x what the queries need, repeatable by seed.
        let wanted = max(options.queries, options.clientQueries, options.prefixQueries) * 4
        let percent = min(100.0, Double(wanted) * 100 / Double(rows))
        var samples: [Sample] = []
        let sampled = try await client.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT host(address), psid_offset, psid_length, psid, client_kind, client_id, host(subscriber),
                        (extract(epoch FROM started_at) * 1000)::int8, (extract(epoch FROM ended_at) * 1000)::int8
                    FROM portlease_holding TABLESAMPLE BERNOULLI (\(percent)) REPEATABLE (\(options.seed % 1_000_000))
                    """), logger: logger)
        for try await row in sampled {
            let (address, offset, length, psid, kind, id, subscriber, start, end) = try row.decode(
                (String, Int16, Int16, Int32, Int16, ByteBuffer, String, Int64, Int64?).self)
            guard let address = IPv4Address(address), let subscriber = IPv6Address(subscriber),
                let kind = ClientKey.Kind(rawValue: UInt8(kind))
            else { throw BenchError("cannot read the sampled row \(address) \(subscriber)") }
            samples.append(
                Sample(
                    address: address, psidOffset: Int(offset), psidLength: Int(length), psid: Int(psid),
                    client: ClientKey(kind: kind, bytes: Array(id.readableBytesView)), subscriber: subscriber,
                    start: start, end: end))
        }
        guard !samples.isEmpty else { throw BenchError("the sample is empty") }
        // The sample's rows come in no fixed order (a parallel scan of the partitions): sorted, the
        // same seed draws the same queries in every run.
        samples.sort { a, b in
            (a.start, a.address.value, a.psid, a.client.hex) < (b.start, b.address.value, b.psid, b.client.hex)
        }
        say("drew \(samples.count) holdings (TABLESAMPLE BERNOULLI \(String(format: "%.4f", percent)) %)")

        var random = SplitMix64(seed: options.seed &* 0x2545_F491_4F6C_DD1D)
        func pick() -> Sample { samples[Int(random.next() % UInt64(samples.count))] }
        func time(in low: Int64, _ high: Int64) -> Int64 { low + Int64(random.next() % UInt64(max(1, high - low))) }

        // Address + port + time.
        var addressQueries: [(query: HistoryQuery, drawn: Bool)] = []
        for _ in 0...options.queries {
            let sample = pick()
            if Double(random.next() >> 11) / Double(1 << 53) < options.uniformShare {
                let port = UInt16(1024 + random.next() % (65536 - 1024))
                let at = time(in: windowStart, windowEnd)
                addressQueries.append(
                    (HistoryQuery(from: at, to: at + 1, address: sample.address, port: port), false))
            } else {
                let at = time(in: sample.start, sample.end ?? windowEnd)
                addressQueries.append(
                    (HistoryQuery(from: at, to: at + 1, address: sample.address, port: port(of: sample, &random)), true)
                )
            }
        }
        let addressRun = try await run(addressQueries.map(\.query), on: client, logger: logger)
        let drawn = zip(addressQueries, addressRun.found).dropFirst().filter { $0.0.drawn }
        let uniform = zip(addressQueries, addressRun.found).dropFirst().filter { !$0.0.drawn }
        say(
            "address+port+time: \(options.queries) queries, " + addressRun.summary
                + "; drawn inside a holding: \(drawn.count), \(drawn.count { $0.1 > 0 }) found it"
                + "; uniform time: \(uniform.count), \(uniform.count { $0.1 > 0 }) found a holder")
        if drawn.contains(where: { $0.1 == 0 }) {
            say("WARNING: a query at a time inside a drawn holding found nothing")
        }

        let fullWindow = (from: windowStart, to: windowEnd + 1)
        var clientQueries: [HistoryQuery] = []
        for _ in 0...options.clientQueries {
            clientQueries.append(HistoryQuery(from: fullWindow.from, to: fullWindow.to, client: pick().client))
        }
        let clientRun = try await run(clientQueries, on: client, logger: logger)
        say("client, whole window: \(options.clientQueries) queries, " + clientRun.summary)

        var prefixQueries: [HistoryQuery] = []
        for _ in 0...options.prefixQueries {
            prefixQueries.append(
                HistoryQuery(from: fullWindow.from, to: fullWindow.to, subscriber: prefix64(pick().subscriber)))
        }
        let prefixRun = try await run(prefixQueries, on: client, logger: logger)
        say("subscriber /64, whole window: \(options.prefixQueries) queries, " + prefixRun.summary)

        // The plans: one address + port + time query that found a holder, one client, one /64.
        let example =
            zip(addressQueries, addressRun.found).dropFirst().first { $0.0.drawn && $0.1 > 0 }?.0.query
            ?? addressQueries[1].query
        for (name, query) in [
            ("address+port+time", example), ("client", clientQueries[1]), ("subscriber /64", prefixQueries[1]),
        ] {
            say("")
            say("EXPLAIN (ANALYZE, BUFFERS), \(name): \(describe(query))")
            for line in try await query.explain(on: client, logger: logger) { say(line) }
        }
        // For history-trace.sh's planning comparison (psql, the same question with either form of the bounds).
        say("")
        say(
            "EXAMPLE address=\(example.address.map { "\($0)" } ?? "") port=\(example.port ?? 0) at_ms=\(example.from) "
                + "window_start_ms=\(windowStart)")
    }
}

/// Latencies of a run of queries, the first apart, and the rows each found.
struct QueryRun {
    var first: Double
    var latencies: [Double]
    var found: [Int]

    var summary: String {
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        let rows = found.dropFirst()
        return String(
            format:
                "p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms, mean %.2f ms (first %.2f ms); rows per query mean %.1f, max %ld",
            percentile(0.5), percentile(0.9), percentile(0.99), sorted.last ?? 0,
            sorted.reduce(0, +) / Double(max(1, sorted.count)), first,
            Double(rows.reduce(0, +)) / Double(max(1, rows.count)), rows.max() ?? 0)
    }
}

/// Runs each query through `HistoryQuery.forEach` (every row decoded), timing each from the
/// request to the last row. The first one is reported apart.
func run(_ queries: [HistoryQuery], on client: PostgresClient, logger: Logger) async throws -> QueryRun {
    var run = QueryRun(first: 0, latencies: [], found: [])
    for (index, query) in queries.enumerated() {
        var count = 0
        let started = ContinuousClock.now
        try await query.forEach(on: client, logger: logger) { _ in count += 1 }
        let milliseconds = seconds(since: started) * 1000
        if index == 0 { run.first = milliseconds } else { run.latencies.append(milliseconds) }
        run.found.append(count)
    }
    return run
}

/// A port of the sample's port set (RFC 7597 section 5.1: the offset bits not all zero, then
/// the PSID, then any low bits); any port above 1023 for a full address.
func port(of sample: Sample, _ random: inout SplitMix64) -> UInt16 {
    guard sample.psidLength > 0 else { return UInt16(1024 + random.next() % (65536 - 1024)) }
    let a = sample.psidOffset
    let m = 16 - a - sample.psidLength
    let high = a == 0 ? 0 : UInt16(1 + random.next() % ((1 << UInt64(a)) - 1))
    let low = m == 0 ? 0 : UInt16(truncatingIfNeeded: random.next() % (1 << UInt64(m)))
    return (a == 0 ? 0 : high << UInt16(16 - a)) | UInt16(sample.psid) << UInt16(m) | low
}

/// The /64 holding `address`, as `HistoryQuery.subscriber` takes it.
func prefix64(_ address: IPv6Address) -> String {
    "\(IPv6Address(high: address.high, low: 0))/64"
}

func describe(_ query: HistoryQuery) -> String {
    var parts = ["window \(isoTime(query.from)) .. \(isoTime(query.to))"]
    if let address = query.address { parts.append("address \(address)") }
    if let port = query.port { parts.append("port \(port)") }
    if let client = query.client { parts.append("client \(client.hex)") }
    if let subscriber = query.subscriber { parts.append("subscriber \(subscriber)") }
    return parts.joined(separator: ", ")
}

func isoTime(_ milliseconds: Int64) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
}

extension ClientKey {
    var hex: String { withUnsafeBytes { $0.map { String(format: "%02x", $0) }.joined() } }
}
