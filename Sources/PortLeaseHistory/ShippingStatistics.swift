import Synchronization

/// History shipping's numbers, per shard: its cursor (which is also how far compaction may fold
/// the shard's log), what it shipped, and how far it trails the log. Written by the shipper,
/// read by compaction and the metrics endpoint from any thread; created before the server
/// starts, so that compaction holds back from its first pass.
public final class ShippingStatistics: Sendable {
    /// Per shard, the last sequence number the database has (0 until the shipper has read it).
    private let state: Mutex<(cursors: [UInt64], counters: [Int])>
    public let shards: Int

    /// The per-shard counters and gauges.
    enum Field: Int, CaseIterable {
        case holdingsOpened, holdingsEnded, batches, failures, lagRecords, lagSeconds
    }

    public init(shards: Int) {
        self.shards = shards
        state = Mutex(
            (Array(repeating: 0, count: shards), Array(repeating: 0, count: shards * Field.allCases.count)))
    }

    /// The last sequence number of `shard` the database has: compaction's limit for that shard.
    public func cursor(_ shard: Int) -> UInt64 {
        state.withLock { $0.cursors[shard] }
    }

    func setCursor(_ shard: Int, _ value: UInt64) {
        state.withLock { $0.cursors[shard] = value }
    }

    func add(_ field: Field, shard: Int, _ amount: Int = 1) {
        state.withLock { $0.counters[shard * Field.allCases.count + field.rawValue] += amount }
    }

    func set(_ field: Field, shard: Int, _ value: Int) {
        state.withLock { $0.counters[shard * Field.allCases.count + field.rawValue] = value }
    }

    func value(_ field: Field, shard: Int) -> Int {
        state.withLock { $0.counters[shard * Field.allCases.count + field.rawValue] }
    }

    /// Records behind the log, summed over the shards.
    public var lagRecords: Int { (0..<shards).reduce(0) { $0 + value(.lagRecords, shard: $1) } }

    /// The metrics in Prometheus text format, one sample per shard.
    public func render() -> String {
        let families: [(Field, String, String, String)] = [
            (
                .holdingsOpened, "portlease_shipping_holdings_opened_total", "counter",
                "Holding starts shipped to PostgreSQL."
            ),
            (
                .holdingsEnded, "portlease_shipping_holdings_ended_total", "counter",
                "Holding ends shipped to PostgreSQL."
            ),
            (.batches, "portlease_shipping_batches_total", "counter", "Transactions that shipped holdings."),
            (.failures, "portlease_shipping_failures_total", "counter", "Shipping attempts that failed (retried)."),
            (.lagRecords, "portlease_shipping_lag_records", "gauge", "Committed log records not yet shipped."),
            (.lagSeconds, "portlease_shipping_lag_seconds", "gauge", "Age of the oldest record not yet shipped."),
        ]
        var out = ""
        for (field, name, type, help) in families {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for shard in 0..<shards { out += "\(name){shard=\"\(shard)\"} \(value(field, shard: shard))\n" }
        }
        out += "# HELP portlease_shipping_cursor The last log record shipped, per shard.\n"
        out += "# TYPE portlease_shipping_cursor gauge\n"
        for shard in 0..<shards { out += "portlease_shipping_cursor{shard=\"\(shard)\"} \(cursor(shard))\n" }
        return out
    }
}
