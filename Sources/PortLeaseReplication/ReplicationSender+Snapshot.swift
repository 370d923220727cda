import LeaseLog
import NIOCore
import PortLeaseServer

/// The active's side of a catch-up from its snapshot (`Docs/Redundancy.md`, "Catch-up"): a
/// standby whose position compaction has folded away gets the snapshot's records of its groups first.
extension ReplicationSender {
    /// When compaction has folded records after `position` into `shard`'s snapshot, sends the
    /// snapshot's records of `pools` between `snapshotBegins` and `snapshotEnds`, and returns
    /// the sequence number it covers, where streaming goes on; otherwise returns `position`.
    /// A pass that replaces the snapshot meanwhile may fold what follows too: streaming then
    /// finds records missing, the link ends, and the next connection sends the newer one.
    func sendSnapshotIfBehind(
        _ shard: Int, position: UInt64, pools: PoolMembership,
        to outbound: NIOAsyncChannelOutboundWriter<ReplicationFrame>, partner: String
    ) async throws -> UInt64 {
        let directory = ShardLogs.directory(leaseLogDirectory, shard: shard)
        guard try SnapshotRecords.covered(directory: directory) > position else { return position }
        // Read off the event loop: a snapshot of millions of leases takes a while.
        let read = try await withTaskExecutorPreference(globalConcurrentExecutor) {
            try SnapshotRecords.read(directory: directory, keep: { pools.contains($0.address) })
        }
        guard let snapshot = read, snapshot.covered > position else { return position }
        logger.notice(
            "the standby catches up from the snapshot: the log was compacted past its position",
            metadata: [
                "partner": "\(partner)", "shard": "\(shard)", "position": "\(position)",
                "through": "\(snapshot.covered)", "records": "\(snapshot.records.count)",
            ])
        try await outbound.write(.snapshotBegins(shard: shard, through: snapshot.covered))
        try await outbound.write(snapshot.records, status: status, countingRecords: true) {
            .records(shard: shard, through: snapshot.covered, bytes: $0)
        }
        try await outbound.write(.snapshotEnds(shard: shard, through: snapshot.covered))
        return snapshot.covered
    }
}
