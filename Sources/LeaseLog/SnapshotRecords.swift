import PortLeaseSystem

/// A shard log's snapshot as the records recovery would replay from it, for a hot standby
/// that must catch up past what compaction has folded away (`Docs/Redundancy.md`, "Catching
/// up").
///
/// The snapshot holds, after every record up to the sequence number it covers, each live
/// lease's latest bind or renew and each quarantined port set's decline: applied in order on
/// top of nothing, they give the live state the active had at that sequence number.
public enum SnapshotRecords {
    /// Reads the snapshot of the shard log in `directory`: the sequence number it covers and
    /// the records of its entries that `keep` accepts, in file order. Nil when the log has no
    /// snapshot (nothing was ever compacted). The file is mapped and read once; compaction
    /// may replace it meanwhile (by a rename), which leaves this reading whole.
    public static func read(directory: String, keep: (LeaseRecord) -> Bool) throws(LeaseLogError) -> (
        covered: UInt64, records: [LeaseRecord]
    )? {
        var records: [LeaseRecord] = []
        let read = try Snapshot.read(layout: LogLayout(directory: directory), fileSystem: SystemFileSystem()) {
            entry in
            if keep(entry.record) { records.append(entry.record) }
        }
        return read.map { ($0.covered, records) }
    }

    /// The sequence number the snapshot of the shard log in `directory` covers, 0 when there
    /// is none: a reader positioned before it may find the records it needs folded away.
    public static func covered(directory: String) throws(LeaseLogError) -> UInt64 {
        let layout = LogLayout(directory: directory)
        guard try SystemFileSystem().list(directory).contains("snapshot"),
            let file = try MappedFile.forLog(layout.snapshot)
        else { return 0 }
        return try file.withBytes { (bytes) throws(LeaseLogError) -> UInt64 in
            if SnapshotVersion1.isVersion1(bytes) {
                return try SnapshotVersion1.read(bytes, path: layout.snapshot) { _ in }.covered
            }
            switch HoldingFile.decodeHeader(bytes, expecting: .snapshot) {
            case .success(let header): return header.sequence
            case .failure(let failure):
                throw .corruptSnapshot(path: layout.snapshot, offset: 0, reason: failure.reason)
            }
        }
    }

    /// The live state of the shard log in `directory` through sequence number `through`, as
    /// snapshot records (each live lease's latest bind or renew, each quarantined port set's
    /// decline) that `keep` accepts, in address order: the snapshot folded with the records after
    /// it, as the next compaction would. A standby that took a pool group over hands its view of
    /// the group back this way (`Docs/Redundancy.md`, "Failing back"): unlike the log's records,
    /// applied on any older view of the same leases they leave nothing waiting for a port set
    /// another client held earlier.
    ///
    /// Compaction may fold and delete segments while this reads; it then starts again (three
    /// times at most, then throws `.missingRecords`).
    public static func live(directory: String, through: UInt64, keep: (LeaseRecord) -> Bool) throws(LeaseLogError)
        -> [LeaseRecord]
    {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try foldLive(directory: directory, through: through, keep: keep)
            } catch .missingRecords where attempt < 3 {
                continue  // compaction folded what this read: its new snapshot holds it
            }
        }
    }

    private static func foldLive(directory: String, through: UInt64, keep: (LeaseRecord) -> Bool)
        throws(LeaseLogError) -> [LeaseRecord]
    {
        var folder = HoldingFolder()
        let read = try Snapshot.read(layout: LogLayout(directory: directory), fileSystem: SystemFileSystem()) {
            folder.load($0)
        }
        let tail = LogTail(directory: directory, after: read?.covered ?? 0)
        while tail.position < through {
            let count = try tail.read(through: through, limit: 4096) { record, sequence in
                folder.apply(record, sequence: sequence) { _ in }
            }
            guard count > 0 else {
                throw .missingRecords(segment: directory, expected: tail.position + 1, found: tail.position)
            }
        }
        folder.pruneQuarantine()
        return folder.snapshotEntries().map(\.record).filter(keep)
    }
}
