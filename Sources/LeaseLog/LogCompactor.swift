/// Compaction and retention for one shard's log, run from a background thread beside the writer.
///
/// Compaction writes the snapshot for a `CompactionPoint` (the caller's live leases as of that
/// point), then moves the sealed segments it covers into `archive/`, each with a sidecar address
/// index. The writer never waits: it is already appending to a newer segment, and compaction
/// reads and renames only segments it has sealed. At most one compaction or retention pass may run
/// per log at a time (the caller's background task serialises them).
///
/// Crash safety: the snapshot is renamed into place and the directory synced before any segment
/// moves, so recovery after a crash at any step sees either the old snapshot with all segments, or
/// the new snapshot with the covered segments in the live directory or the archive (it skips the
/// covered records). A segment's index is synced into the archive before the segment is renamed
/// next to it. Compaction always syncs, whatever the log's durability setting.
public struct LogCompactor: Sendable {
    /// The shard's log directory.
    public let directory: String
    private let layout: LogLayout
    private let fileSystem: any LogFileSystem

    public init(directory: String, fileSystem: any LogFileSystem = SystemFileSystem()) {
        self.directory = directory
        self.layout = LogLayout(directory: directory)
        self.fileSystem = fileSystem
    }

    /// Writes `liveLeases` as the snapshot covering `point`, then archives the segments up to
    /// `point.lastSegment`. Returns how many leases were written and which segments moved.
    @discardableResult
    public func compact(_ point: CompactionPoint, liveLeases: some Sequence<LeaseRecord>) throws(LeaseLogError)
        -> CompactionReport
    {
        let written = try Snapshot.write(
            liveLeases, covering: point.coveredSequence, layout: layout, fileSystem: fileSystem, sync: true)
        let archived = try archiveSegments(through: point.lastSegment)
        return CompactionReport(snapshotRecords: written, archivedSegments: archived)
    }

    /// Deletes archived segments (and their indexes) whose newest record is more than
    /// `retentionDays` days before `now` (milliseconds since the Unix epoch). Returns their numbers.
    @discardableResult
    public func applyRetention(now: Int64, retentionDays: Int = 180) throws(LeaseLogError) -> [UInt64] {
        let cutoff = now - Int64(retentionDays) * 86_400_000
        var deleted: [UInt64] = []
        for number in try LogLayout.segmentNumbers(in: layout.archive, fileSystem: fileSystem) {
            let latest: Int64
            if let index = SegmentIndex.load(path: layout.archivedIndex(number), fileSystem: fileSystem) {
                latest = index.latest
            } else {
                latest = try latestTime(inSegment: layout.archivedSegment(number))
            }
            guard latest < cutoff else { continue }
            try fileSystem.remove(layout.archivedSegment(number))
            try? fileSystem.remove(layout.archivedIndex(number))
            deleted.append(number)
        }
        if !deleted.isEmpty { try fileSystem.syncDirectory(layout.archive) }
        return deleted
    }

    private func archiveSegments(through lastSegment: UInt64) throws(LeaseLogError) -> [UInt64] {
        let numbers = try LogLayout.segmentNumbers(in: directory, fileSystem: fileSystem).filter { $0 <= lastSegment }
        guard !numbers.isEmpty else { return [] }
        try fileSystem.createDirectory(layout.archive)
        try fileSystem.syncDirectory(directory)
        var storage: [UInt8] = []
        for number in numbers {
            let path = layout.segment(number)
            let size = try fileSystem.readAll(path, into: &storage)
            let index = try storage.withPrefix(size) { (bytes) throws(LeaseLogError) -> [UInt8] in
                guard case .success(let header) = SegmentHeader.decode(bytes) else {
                    throw .corruptSegmentHeader(
                        segment: path, reason: "cannot archive a segment without a valid header")
                }
                return SegmentIndex.build(segment: bytes, header: header)
            }
            try index.withPrefix(index.count) { (bytes) throws(LeaseLogError) in
                try fileSystem.writeAtomically(
                    bytes, to: layout.archivedIndex(number), directory: layout.archive, sync: true)
            }
            try fileSystem.rename(path, to: layout.archivedSegment(number))
        }
        try fileSystem.syncDirectory(layout.archive)
        try fileSystem.syncDirectory(directory)
        return numbers
    }

    private func latestTime(inSegment path: String) throws(LeaseLogError) -> Int64 {
        var storage: [UInt8] = []
        let size = try fileSystem.readAll(path, into: &storage)
        return storage.withUnsafeBytes { raw in
            let bytes = UnsafeRawBufferPointer(rebasing: raw[0..<size])
            var latest = Int64.min
            _ = SegmentScanner.scan(bytes) { offset, _ in latest = max(latest, RecordCodec.time(in: bytes, at: offset))
            }
            return latest
        }
    }
}

/// What a compaction did.
public struct CompactionReport: Sendable, Hashable {
    /// Leases written to the snapshot.
    public var snapshotRecords: Int
    /// Segments moved into the archive.
    public var archivedSegments: [UInt64]
}
