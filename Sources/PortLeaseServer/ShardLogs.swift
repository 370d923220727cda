import Foundation
import LeaseEngine
import LeaseLog
import Logging

/// Opens one lease log per shard under the configured directory (`shard-0`,
/// `shard-1`, ...), replaying each into its shard's engine before anything is
/// answered, then reclaims what expired while the server was down.
public enum ShardLogs {
    /// The directory of shard `index`'s log.
    public static func directory(_ base: String, shard index: Int) -> String {
        base + "/shard-\(index)"
    }

    /// Shards that have a log directory under `base`.
    public static func existingShards(_ base: String) -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        return names.compactMap { name in
            guard name.hasPrefix("shard-") else { return nil }
            return Int(name.dropFirst("shard-".count))
        }.sorted()
    }

    /// Opens and replays the logs of `engines` (one per shard, in order).
    ///
    /// Refuses to start when the directory holds logs written by a different
    /// number of shards: clients are assigned to shards by a hash of their key
    /// modulo the shard count, so their leases would be looked for in the wrong
    /// engine. Start with the old `workers` value, or move the logs aside.
    public static func open(
        base: String, engines: [LeaseEngine], options: LeaseLog.Options, now: Int64, logger: Logger
    ) throws(ServerError) -> [LeaseLog] {
        do {
            try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        } catch {
            throw .leaseLog("cannot create \(base): \(error.localizedDescription)")
        }
        let existing = existingShards(base)
        if !existing.isEmpty && existing != Array(0..<engines.count) {
            throw .configuration(
                "the lease log in \(base) was written by \(existing.count) shard(s) (\(existing.map { "shard-\($0)" }.joined(separator: ", "))) "
                    + "but workers is \(engines.count); start with workers = \(existing.count), or move the directory aside"
            )
        }
        var logs: [LeaseLog] = []
        for (index, engine) in engines.enumerated() {
            let path = directory(base, shard: index)
            var replayed = 0
            let log: LeaseLog
            do throws(LeaseLogError) {
                log = try LeaseLog(directory: path, options: options) { item in
                    engine.replay(item.record)
                    replayed += 1
                }
            } catch {
                throw .leaseLog("\(path): \(error)")
            }
            if let tail = log.recovery.truncatedTail {
                logger.warning("lease log torn tail truncated", metadata: ["shard": "\(index)", "tail": "\(tail)"])
            }
            var expired: [LeaseRecord] = []
            engine.expire(now: now, records: &expired)
            let expiredCount = expired.count
            // Leases from before a reservation, on its binding, end now (forced releases).
            for (holder, binding) in engine.yieldReservations(now: now, records: &expired) {
                logger.warning(
                    "lease ended at start-up: its binding is now reserved for another client",
                    metadata: ["shard": "\(index)", "holder": "\(holder)", "binding": "\(binding)"])
            }
            do throws(LeaseLogError) {
                for record in expired { _ = try log.append(record) }
                if !expired.isEmpty { _ = try log.commit() }
            } catch {
                throw .leaseLog("\(path): recording expiries and reservations found at start-up: \(error)")
            }
            logger.info(
                "lease log recovered",
                metadata: [
                    "shard": "\(index)", "records": "\(replayed)", "expired-while-down": "\(expiredCount)",
                    "active": "\(engine.currentBindings().count)", "conflicts": "\(engine.counters.replayConflicts)",
                    "direct-writes": "\(log.writesDirectly)",
                ])
            logs.append(log)
        }
        return logs
    }
}
