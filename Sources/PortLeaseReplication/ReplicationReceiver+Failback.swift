import LeaseLog
import NIOCore
import PortLeaseConfiguration
import PortLeaseControlPlane
import PortLeaseServer
import PortLeaseSystem

/// The standby's side of failing a pool group back (`Docs/Redundancy.md`, "Failing back"):
/// asked by the group's configured active (`failback`), it goes silent for the group
/// (`handing-back`), waits until everything it decided before is durable, and sends its live
/// leases in the group's pools and reserve (``ReplicationFrame/handBack(shard:bytes:)``, then
/// ``ReplicationFrame/handedBack(groups:)``). Once the active says it has them durably and serves
/// (``ReplicationFrame/failbackDone(groups:)``), the standby forgets its takeover and follows the
/// group again. Should the link end before that, it serves the group again (`partner-down`).
extension ReplicationReceiver {
    /// Answers `instance`'s request to fail `names` back: the live leases, or `refuse` with why.
    func handBack(
        _ names: [String], to instance: String, outbound: NIOAsyncChannelOutboundWriter<ReplicationFrame>
    ) async throws {
        let followed = groups(followedFrom: instance)
        let requested = followed.filter { names.contains($0.name) }
        if let refusal = failbackRefusal(names, followed: followed.map(\.name)) {
            logger.warning("failback refused", metadata: ["partner": "\(instance)", "reason": "\(refusal)"])
            try await outbound.write(.refuse(reason: refusal))
            return
        }
        handingBack.withLock { $0.formUnion(names) }
        for group in requested { status.enter(.handingBack, for: group, on: server) }
        logger.notice(
            "handing pool groups back to their active: silent for them until it serves",
            metadata: ["groups": "\(names)", "active": "\(instance)"])
        // The batches that granted leases there before the groups fell silent: durable now.
        for applier in appliers { _ = try await applier.enqueueBarrier().outcome() }
        let membership = PoolMembership(
            pools: Set(requested.flatMap { $0.pools + $0.standbyPools }), engine: server.workers[0].engine)
        let encoder = RecordBytes()
        var sent = 0
        for shard in 0..<appliers.count {
            let directory = ShardLogs.directory(server.settings.leaseLogDirectory, shard: shard)
            let through = server.committedSequence(shard: shard)
            // Read off the event loop: millions of leases take a while.
            let records = try await withTaskExecutorPreference(globalConcurrentExecutor) {
                try SnapshotRecords.live(directory: directory, through: through) { membership.contains($0.address) }
            }
            for start in stride(from: 0, to: records.count, by: 256) {
                for record in records[start..<min(start + 256, records.count)] { try encoder.append(record) }
                try await outbound.write(.handBack(shard: shard, bytes: encoder.take()))
                status.add(.framesSent)
            }
            sent += records.count
        }
        try await outbound.write(.handedBack(groups: names))
        logger.notice(
            "pool groups' leases handed back to their active", metadata: ["groups": "\(names)", "records": "\(sent)"])
    }

    /// Why a request from an active to fail `names` back is refused, or nil: each must be one
    /// it is active for here (`followed`) that this instance took over and serves.
    private func failbackRefusal(_ names: [String], followed: [String]) -> String? {
        guard !names.isEmpty else { return "the request names no pool group" }
        for name in names {
            guard followed.contains(name) else {
                return "\(configuration.instance) does not follow pool group \(name) from this instance"
            }
            guard let state = status.state(of: name), state == .partnerDown else {
                let now = status.state(of: name)?.rawValue ?? "unknown"
                return "\(configuration.instance) has not taken pool group \(name) over (it is \(now) there): "
                    + "there is nothing to fail back"
            }
        }
        return nil
    }

    /// The active has `names`' leases durably and serves them: this instance forgets its
    /// takeover of each (durably, before following it) and follows it again.
    func finishHandBack(_ names: [String], from instance: String) async throws {
        for group in groups(followedFrom: instance) where names.contains(group.name) {
            guard handingBack.withLock({ $0.remove(group.name) }) != nil else { continue }
            try await withTaskExecutorPreference(globalConcurrentExecutor) {
                try self.positions.clearTakeover(group.name)
            }
            status.enter(.standby, for: group, on: server)
            logger.notice(
                "pool group failed back: its active serves it again, this instance follows",
                metadata: ["group": "\(group.name)", "active": "\(instance)"])
        }
    }

    /// The link to `instance` ended during a failback: the groups it was handing back are
    /// served here again, as before the request (their takeover file is still there).
    func abandonHandBack(from instance: String) {
        for group in groups(followedFrom: instance) {
            guard handingBack.withLock({ $0.remove(group.name) }) != nil else { continue }
            status.enter(.partnerDown, for: group, on: server)
            logger.warning(
                "failback not finished: the link to the active ended first; this instance serves the group again",
                metadata: ["group": "\(group.name)", "active": "\(instance)"])
        }
    }
}
