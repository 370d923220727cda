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
}
