import PortLeaseSystem

/// The snapshot: the live holdings (and quarantined port sets) after every record up to the
/// sequence number it covers, sorted by address (`HoldingFile`, kind `.snapshot`).
///
/// Recovery replays each entry's record (a live lease's latest bind or renew, or a decline),
/// then only later records from the segments. Written by `LogCompactor` streaming to
/// `snapshot.tmp`, synced, and renamed over `snapshot`, so a crash leaves either the old
/// snapshot or the new one, never a mix. Version 1 snapshots (records only, no holding
/// starts) are still read: each record then starts its holding.
enum Snapshot {
    /// Writes `entries` (in file order) as the snapshot covering `coveredSequence`; returns its size in bytes.
    @discardableResult
    static func write(
        _ entries: [HoldingEntry], covering coveredSequence: UInt64, layout: LogLayout, fileSystem: any LogFileSystem,
        sync: Bool, beforeRename: () -> Void = {}
    ) throws(LeaseLogError) -> Int {
        try HoldingFile.write(
            entries, kind: .snapshot, sequence: coveredSequence, day: 0, to: layout.snapshot,
            directory: layout.directory, fileSystem: fileSystem, sync: sync, beforeRename: beforeRename)
    }

    /// Reads the snapshot, if there is one, calling `body` with each entry in file order; returns
    /// the covered sequence number and the entry count, or nil when there is no snapshot.
    static func read(
        layout: LogLayout, fileSystem: any LogFileSystem, filter: ((RecordView) -> Bool)? = nil,
        body: (HoldingEntry) -> Void
    ) throws(LeaseLogError) -> (covered: UInt64, count: Int)? {
        guard try fileSystem.list(layout.directory).contains("snapshot") else { return nil }
        guard let file = try MappedFile.forLog(layout.snapshot) else { return nil }
        let path = layout.snapshot
        return try file.withBytes { (bytes) throws(LeaseLogError) -> (covered: UInt64, count: Int)? in
            if SnapshotVersion1.isVersion1(bytes) {
                return try SnapshotVersion1.read(bytes, path: path, body: body)
            }
            let header = try HoldingFile.forEachEntry(bytes, kind: .snapshot, path: path, filter: filter, body)
            return (header.sequence, header.count)
        }
    }
}

/// The first snapshot format: a 40-byte header ("PLSN", version 1, covered sequence, record
/// count, CRC32C of bytes 0..<36) and the live leases' records. Read only, for logs written
/// before holdings: each record becomes a holding that starts at its time.
enum SnapshotVersion1 {
    static let headerSize = 40

    /// Whether a snapshot file's header says version 1 (the version field is where version 2 has it).
    static func isVersion1(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 6 && UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt16.self)) == 1
    }

    static func read(_ bytes: UnsafeRawBufferPointer, path: String, body: (HoldingEntry) -> Void)
        throws(LeaseLogError) -> (covered: UInt64, count: Int)
    {
        guard bytes.count >= headerSize,
            UInt32(littleEndian: bytes.loadUnaligned(as: UInt32.self)) == HoldingFile.Kind.snapshot.rawValue,
            UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 36, as: UInt32.self))
                == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<36]))
        else { throw .corruptSnapshot(path: path, offset: 0, reason: "bad header") }
        let covered = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        let expected = Int(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
        var offset = headerSize
        var count = 0
        while offset < bytes.count {
            switch RecordCodec.decode(bytes, at: offset) {
            case .record(let record, let length):
                let state: HoldingEntry.State = record.event == .decline ? .quarantine : .holding(.held)
                body(
                    HoldingEntry(
                        state: state, start: record.time, end: HoldingFolder.leaseEnd(record), sequence: covered,
                        record: record))
                count += 1
                offset += length
            case .incomplete:
                throw .corruptSnapshot(path: path, offset: offset, reason: "record cut short")
            case .corrupt(let reason):
                throw .corruptSnapshot(path: path, offset: offset, reason: reason)
            }
        }
        guard count == expected else {
            throw .corruptSnapshot(path: path, offset: offset, reason: "\(count) records, header says \(expected)")
        }
        return (covered, count)
    }
}
