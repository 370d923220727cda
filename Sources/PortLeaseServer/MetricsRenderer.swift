import LeaseEngine
import PortSetPool

/// Renders the server's counters in the Prometheus text exposition format (0.0.4).
///
/// Everything read here is an atomic or a published snapshot, so rendering from
/// the metrics thread never races the workers.
public struct MetricsRenderer: Sendable {
    public let counters: ServerCounters
    public let shards: [ShardStatistics]
    public let queues: [ShardQueue]
    public let pools: PoolWatch
    /// Each shard's lease-log figures from `LogMaintenance` (empty when compaction is off).
    public let logs: [LogMaintenanceStatistics]
    /// Extra samples from the transport (e.g. truncated datagrams), as (name, help, value).
    public let extra: @Sendable () -> [(name: String, help: String, value: Int)]
    /// Families rendered elsewhere (history shipping's), already in the text format.
    public let appendix: (@Sendable () -> String)?

    public init(
        counters: ServerCounters, shards: [ShardStatistics], queues: [ShardQueue],
        pools: PoolWatch, logs: [LogMaintenanceStatistics] = [],
        extra: @escaping @Sendable () -> [(name: String, help: String, value: Int)] = { [] },
        appendix: (@Sendable () -> String)? = nil
    ) {
        self.appendix = appendix
        self.counters = counters
        self.shards = shards
        self.queues = queues
        self.pools = pools
        self.logs = logs
        self.extra = extra
    }

    public func render() -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        func sample(_ name: String, _ labels: [(String, String)], _ value: Int) {
            let rendered = labels.isEmpty ? "" : "{" + labels.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",") + "}"
            out += "\(name)\(rendered) \(value)\n"
        }
        /// One shard's histogram in seconds: `cumulative` has a count per bound in microseconds,
        /// then the +Inf bucket (which is also the count).
        func histogram(_ name: String, shard: Int, bounds: [Int], cumulative: [Int], sumMicroseconds: Int) {
            let label = ("shard", "\(shard)")
            for (bucket, bound) in bounds.enumerated() {
                sample(name + "_bucket", [label, ("le", seconds(bound))], cumulative[bucket])
            }
            sample(name + "_bucket", [label, ("le", "+Inf")], cumulative[bounds.count])
            out += "\(name)_sum{shard=\"\(shard)\"} \(seconds(sumMicroseconds))\n"
            sample(name + "_count", [label], cumulative[bounds.count])
        }

        family("portlease_datagrams_received_total", "counter", "Datagrams received, by innermost DHCPv6 message type.")
        for (type, count) in counters.receivedByType() {
            sample("portlease_datagrams_received_total", [("type", type)], count)
        }
        family("portlease_datagrams_dropped_total", "counter", "Datagrams dropped before the engine, by reason.")
        for reason in DatagramDropReason.allCases {
            var count = counters.drops(reason)
            count += queues.reduce(0) { $0 + $1.drops(reason) }
            sample("portlease_datagrams_dropped_total", [("reason", reason.description)], count)
        }
        family(
            "portlease_discover_kernel_filter", "gauge",
            "1 while DISCOVERs are dropped in the kernel because a DISCOVER queue is nearly full.")
        sample("portlease_discover_kernel_filter", [], counters.kernelFilterAttached.load(ordering: .relaxed))
        family(
            "portlease_discover_kernel_filter_attached_total", "counter",
            "Times the kernel DISCOVER filter was attached (overload episodes).")
        sample(
            "portlease_discover_kernel_filter_attached_total", [],
            counters.kernelFilterEpisodes.load(ordering: .relaxed))
        family("portlease_information_replies_total", "counter", "Information-Requests answered with option 88.")
        sample("portlease_information_replies_total", [], counters.informationReplies.load(ordering: .relaxed))

        let messages: [(String, ShardStatistics.Field)] = [
            ("offer", .offers), ("ack", .acks), ("nak", .naks), ("inform-ack", .informs),
        ]
        family("portlease_replies_total", "counter", "DHCPv4 replies sent, by type.")
        for (name, field) in messages { sample("portlease_replies_total", [("type", name)], total(field)) }
        family("portlease_lease_events_total", "counter", "Lease changes, by event.")
        let events: [(String, ShardStatistics.Field)] = [
            ("release", .releases), ("decline", .declines), ("expire", .expirations),
            ("offer-timeout", .offerTimeouts), ("quarantine-end", .quarantineEnds),
        ]
        for (name, field) in events { sample("portlease_lease_events_total", [("event", name)], total(field)) }
        family("portlease_engine_dropped_total", "counter", "Queries the engine answered with silence, by reason.")
        for reason in DropReason.allCases {
            sample(
                "portlease_engine_dropped_total", [("reason", reason.description)],
                shards.reduce(0) { $0 + $1.engineDrops(reason) })
        }

        family("portlease_port_sets", "gauge", "Port sets per pool and PSID length, by state (free or used).")
        for (name, pool) in zip(pools.names, pools.pools) {
            for length in pool.offeredLengths {
                let free = (try? pool.freePortSets(psidLength: length)) ?? 0
                let used = (try? pool.usedPortSets(psidLength: length)) ?? 0
                sample("portlease_port_sets", [("pool", name), ("psid_length", "\(length)"), ("state", "free")], free)
                sample("portlease_port_sets", [("pool", name), ("psid_length", "\(length)"), ("state", "used")], used)
            }
        }

        family("portlease_pool_utilisation", "gauge", "Share of each pool's finest port sets in use (0 to 1).")
        for (index, name) in pools.names.enumerated() {
            out += "portlease_pool_utilisation{pool=\"\(name)\"} \(ratio(pools.utilisationPerMille(index)))\n"
        }
        family(
            "portlease_pool_utilisation_alarm_threshold", "gauge",
            "Each pool's configured utilisation-alarm, as a share (0 to 1).")
        for (index, name) in pools.names.enumerated() {
            out +=
                "portlease_pool_utilisation_alarm_threshold{pool=\"\(name)\"} \(ratio(pools.threshold(index) * 10))\n"
        }
        family(
            "portlease_pool_utilisation_alarm", "gauge",
            "1 while a pool's utilisation is at or above its utilisation-alarm: add addresses before clients are refused."
        )
        for (index, name) in pools.names.enumerated() {
            sample("portlease_pool_utilisation_alarm", [("pool", name)], pools.isAlarmed(index) ? 1 : 0)
        }
        family(
            "portlease_pool_exhausted_total", "counter",
            "New bindings refused while this pool, one the client could use, was full (a refusal with two such pools counts in each)."
        )
        for (index, name) in pools.names.enumerated() {
            sample(
                "portlease_pool_exhausted_total", [("pool", name)], shards.reduce(0) { $0 + $1.poolExhausted(index) })
        }

        family(
            "portlease_pool_offers_outstanding", "gauge",
            "Offers made from this pool and not yet taken up, declined or timed out (each holds its port set).")
        for (index, name) in pools.names.enumerated() {
            sample(
                "portlease_pool_offers_outstanding", [("pool", name)],
                shards.reduce(0) { $0 + $1.offersOutstanding(index) })
        }

        family("portlease_queue_depth", "gauge", "Datagrams waiting in each shard's queue.")
        for (index, queue) in queues.enumerated() {
            sample("portlease_queue_depth", [("shard", "\(index)")], queue.depth)
        }

        family(
            "portlease_queue_delay_seconds", "histogram",
            "How long queries waited between arrival and their worker (past the queue-delay budget they are shed).")
        for (index, shard) in shards.enumerated() {
            // Stored per bucket (one add per query); Prometheus counts cumulatively.
            let counts = (0...ShardStatistics.queueDelayBuckets.count).map { shard.queueDelayHistogram[$0] }
            var cumulative = 0
            histogram(
                "portlease_queue_delay_seconds", shard: index, bounds: ShardStatistics.queueDelayBuckets,
                cumulative: counts.map {
                    cumulative += $0; return cumulative
                },
                sumMicroseconds: shard.queueDelayHistogram[ShardStatistics.queueDelayBuckets.count + 1])
        }

        family("portlease_log_commit_seconds", "histogram", "Lease log group commit latency (write + fdatasync).")
        for (index, shard) in shards.enumerated() {
            histogram(
                "portlease_log_commit_seconds", shard: index, bounds: ShardStatistics.commitBuckets,
                cumulative: (0...ShardStatistics.commitBuckets.count).map { shard.commitHistogram[$0] },
                sumMicroseconds: shard[.commitMicrosecondsTotal])
        }
        family(
            "portlease_log_commit_failures_total", "counter", "Group commits that failed; their grants were not sent.")
        sample("portlease_log_commit_failures_total", [], total(.commitFailures))
        family(
            "portlease_log_disk_full", "gauge",
            "1 while a shard's lease log cannot write for lack of space (its ACKs are withheld).")
        for (index, shard) in shards.enumerated() {
            sample("portlease_log_disk_full", [("shard", "\(index)")], shard[.diskFull])
        }
        family(
            "portlease_log_direct_writes", "gauge",
            "1 while a shard's lease log writes each commit as one durable direct write; 0: write and fdatasync.")
        for (index, shard) in shards.enumerated() {
            sample("portlease_log_direct_writes", [("shard", "\(index)")], shard[.directWrites])
        }
        family("portlease_log_records_total", "counter", "Lease records made durable.")
        sample("portlease_log_records_total", [], total(.recordsCommitted))

        let now = SystemCalls.nowMilliseconds()
        let logSamples = logs.map { $0.samples(now: now) }
        for (family, first) in (logSamples.first ?? []).enumerated() {
            out += "# HELP \(first.name) \(first.help)\n# TYPE \(first.name) \(first.type)\n"
            for (index, samples) in logSamples.enumerated() {
                out += "\(samples[family].name){shard=\"\(index)\"} \(samples[family].value)\n"
            }
        }

        for item in extra() {
            family(item.name, "counter", item.help)
            sample(item.name, [], item.value)
        }
        if let appendix { out += appendix() }
        return out
    }

    private func total(_ field: ShardStatistics.Field) -> Int {
        shards.reduce(0) { $0 + $1[field] }
    }

    /// Thousandths as a decimal: 734 -> "0.734".
    private func ratio(_ perMille: Int) -> String {
        let fraction = String(perMille % 1000)
        return "\(perMille / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    private func seconds(_ microseconds: Int) -> String {
        let whole = microseconds / 1_000_000
        let fraction = String(microseconds % 1_000_000)
        return "\(whole)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }
}
