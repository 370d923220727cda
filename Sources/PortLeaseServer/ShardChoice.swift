import PortLeaseWire

/// Which shard owns a client: its key's stable hash modulo the number of shards.
///
/// The classifier routes every query by it and each shard's lease log holds the leases of
/// its clients, so whatever writes a log for a client (`portlease import`) must choose the
/// same shard, or the server would look for the lease in the wrong engine.
public enum ShardChoice {
    /// The shard of a client whose ``ClientKey/stableHash`` is `hash`.
    @inlinable
    public static func shard(forClientHash hash: UInt64, shardCount: Int) -> Int {
        Int(hash % UInt64(shardCount))
    }

    /// The shard of the client `key`.
    public static func shard(of key: ClientKey, shardCount: Int) -> Int {
        shard(forClientHash: key.stableHash, shardCount: shardCount)
    }
}
