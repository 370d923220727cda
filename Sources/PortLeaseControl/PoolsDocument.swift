import LeaseEngine
import PortLeaseServer

/// The body of `GET /v1/pools` (`Docs/openapi.json`, schema `Pools`): how full each pool is,
/// against its alarm, per PSID length. Read from the pools' atomic counters and what the
/// shards publish (`PoolWatch`, `ShardStatistics`), like the metrics: no shard is asked.
public struct PoolsDocument: Codable, Sendable, Equatable {
    /// Port sets of one PSID length in a pool.
    public struct PortSets: Codable, Sendable, Equatable {
        /// `k`; 0 for a full-address pool.
        public var psidLength: Int
        public var free: Int
        /// Leased or offered (an offer holds its port set until it is taken or times out).
        public var used: Int
    }

    /// One pool.
    public struct Pool: Codable, Sendable, Equatable {
        public var name: String
        /// `shared` (port sets, RFC 7618) or `full` (whole addresses).
        public var kind: String
        /// Share of the pool's finest port sets in use, 0 to 1 (the metric `portlease_pool_utilisation`).
        public var utilisation: Double
        /// The configured `utilisation-alarm`, 0 to 1, and whether the pool is at or above it.
        public var alarmThreshold: Double
        public var alarmed: Bool
        /// New bindings refused while this pool, one the client could use, was full.
        public var exhausted: Int
        /// Offers made and not yet taken up, declined or timed out (each holds a port set).
        public var offersOutstanding: Int
        public var portSets: [PortSets]
    }

    public var pools: [Pool]

    /// The pools of `server` now (empty before it has started).
    public init(server: Server) {
        guard let watch = server.poolWatch else {
            pools = []
            return
        }
        let policies = server.settings.engine.pools
        pools = watch.names.indices.map { index in
            let pool = watch.pools[index]
            let shared: Bool
            if case .shared = policies[index].kind { shared = true } else { shared = false }
            return Pool(
                name: watch.names[index], kind: shared ? "shared" : "full",
                utilisation: Double(watch.utilisationPerMille(index)) / 1000,
                alarmThreshold: Double(watch.threshold(index)) / 100, alarmed: watch.isAlarmed(index),
                exhausted: server.workers.reduce(0) { $0 + $1.statistics.poolExhausted(index) },
                offersOutstanding: server.workers.reduce(0) { $0 + $1.statistics.offersOutstanding(index) },
                portSets: pool.offeredLengths.map { length in
                    PortSets(
                        psidLength: length, free: (try? pool.freePortSets(psidLength: length)) ?? 0,
                        used: (try? pool.usedPortSets(psidLength: length)) ?? 0)
                })
        }
    }
}
