/// A record handed back by recovery, in the order the engine must apply them.
public struct ReplayedRecord: Sendable {
    /// The record as it was appended.
    public var record: LeaseRecord
    /// The record's sequence number; for snapshot records, that of the last record folded into the lease.
    public var sequence: UInt64
    /// Whether the record came from the snapshot (a live lease at the last compaction) rather than a segment.
    public var fromSnapshot: Bool
}

/// A torn or damaged end of the log that recovery cut off.
///
/// Expected after a crash during a write: those records' commits never returned, so no
/// client was told about them. Reported so the operator sees it in the start-up log.
public struct TruncatedTail: Sendable, Hashable {
    /// The segment file.
    public var segment: String
    /// The offset of the first byte removed: everything before it was valid.
    public var offset: Int
    /// How many bytes were removed.
    public var discardedBytes: Int
    /// What was wrong at `offset`.
    public var reason: String
}

/// What recovery found: counts for the start-up log and the truncated tail, if any.
public struct RecoveryReport: Sendable, Hashable {
    /// Live leases read from the snapshot.
    public var snapshotRecords = 0
    /// The sequence number the snapshot covers (0 without a snapshot).
    public var snapshotCovers: UInt64 = 0
    /// Records replayed from segments (after the snapshot).
    public var replayedRecords = 0
    /// Live segment files read.
    public var segmentCount = 0
    /// The highest sequence number in the log; new records continue after it.
    public var lastSequence: UInt64 = 0
    /// The torn tail that was (or, for a read-only scan, would be) truncated.
    public var truncatedTail: TruncatedTail?
}
