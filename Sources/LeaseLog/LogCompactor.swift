import PortLeaseSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Compaction and retention for one shard's log, run on a background thread beside the writer.
///
/// Compaction folds the sealed segments (every segment but the newest, which the writer
/// appends to) into the previous snapshot: it needs nothing from the engine and never pauses
/// the writer, who never touches a segment again once a newer one exists. One pass:
///
/// 1. replays the sealed segments' records after the snapshot into the fold state
///    (`HoldingFolder`, loaded from the snapshot on the first pass and kept between passes);
/// 2. merges the holdings those records ended into the history's day files (`HistoryStore`);
/// 3. writes the new snapshot (live holdings and quarantines) covering the last folded record;
/// 4. deletes the folded segments.
///
/// Crash safety: every file is written to a temporary name, synced and renamed, and each step
/// only adds what a repeated pass recognises. A crash before step 3 leaves the old snapshot and
/// every segment: the next pass folds them again and skips the holdings a day file already has
/// (its header names the last pass merged into it). A crash after step 3 leaves segments whose
/// records the snapshot covers: recovery and the next pass skip those records. Compaction always
/// syncs, whatever the log's durability.
///
/// Thread safety: one `LogCompactor` per log, used by one thread at a time.
public final class LogCompactor: @unchecked Sendable {
    /// The moments a pass passes through, for crash tests that kill the process at each one.
    public enum Step: String, Sendable, CaseIterable {
        /// A history day file is written and synced, not yet renamed into place.
        case historyWritten
        /// The new snapshot is written and synced, not yet renamed into place.
        case snapshotWritten
        /// The new snapshot has replaced the old one; no folded segment is deleted yet.
        case snapshotRenamed
        /// A folded segment is about to be deleted.
        case segmentDelete
        /// Retention is about to delete or rewrite a day file.
        case retentionDelete
    }

    /// The shard's log directory.
    public let directory: String
    private let layout: LogLayout
    private let fileSystem: any LogFileSystem
    private let history: HistoryStore
    private let observer: @Sendable (Step) -> Void
    private var folder: HoldingFolder?
    private var covered: UInt64 = 0
    private var storage: [UInt8] = []

    /// `observer` is called at each `Step` (tests); it must not touch the log.
    public init(
        directory: String, fileSystem: any LogFileSystem = SystemFileSystem(),
        observer: @escaping @Sendable (Step) -> Void = { _ in }
    ) {
        self.directory = directory
        self.layout = LogLayout(directory: directory)
        self.fileSystem = fileSystem
        self.history = HistoryStore(layout: layout, fileSystem: fileSystem)
        self.observer = observer
    }

    /// Folds every sealed segment into the snapshot and the history; nil when there is none.
    ///
    /// With `limit`, only the sealed segments whose records all have sequence numbers up to
    /// `limit`: what a reader of the log (history shipping) has not passed yet stays in the
    /// segments, which that reader follows, and compaction waits for it.
    @discardableResult
    public func compact(through limit: UInt64? = nil) throws(LeaseLogError) -> CompactionReport? {
        let numbers = try LogLayout.segmentNumbers(in: directory, fileSystem: fileSystem)
        var sealed = numbers.dropLast()
        if let limit {
            var kept = 0
            // A segment's last record is the one before the next segment's first.
            while kept < sealed.count, let next = try firstSequence(ofSegment: numbers[kept + 1]), next - 1 <= limit {
                kept += 1
            }
            sealed = sealed.prefix(kept)
        }
        guard !sealed.isEmpty else { return nil }
        do throws(LeaseLogError) {
            return try fold(Array(sealed))
        } catch {
            folder = nil  // reload from disk next time: the in-memory state may be half-applied
            throw error
        }
    }

    /// Deletes the holdings that ended at or before `retentionDays` days before `now` (ms).
    @discardableResult
    public func applyRetention(now: Int64, retentionDays: Int) throws(LeaseLogError) -> RetentionReport {
        let cutoff = now - Int64(retentionDays) * HistoryStore.dayMilliseconds
        return try history.applyRetention(cutoff: cutoff, sync: true) { observer(.retentionDelete) }
    }

    /// What the log holds on disk now: for metrics and the operator.
    public func status() throws(LeaseLogError) -> LogStatus {
        var status = LogStatus()
        for number in try LogLayout.segmentNumbers(in: directory, fileSystem: fileSystem) {
            status.liveSegmentBytes += try size(of: layout.segment(number)) ?? 0
            status.liveSegments += 1
        }
        status.snapshotBytes = try size(of: layout.snapshot) ?? 0
        let statistics = try history.statistics()
        status.historyBytes = statistics.bytes
        status.historyHoldings = statistics.holdings
        status.oldestHistoryDay = statistics.oldestEnd
        return status
    }

    private func fold(_ sealed: [UInt64]) throws(LeaseLogError) -> CompactionReport {
        // Taken out of the property so that applying records works on a uniquely held value;
        // put back only when the pass succeeds.
        var state: HoldingFolder
        if let kept = folder {
            state = kept
            folder = nil
        } else {
            state = HoldingFolder()
            let read = try Snapshot.read(layout: layout, fileSystem: fileSystem) { state.load($0) }
            covered = read?.covered ?? 0
        }
        state.beginPass()
        var ended: [HoldingEntry] = []
        var last = covered
        var records = 0
        for number in sealed {
            let path = layout.segment(number)
            let size = try fileSystem.readAll(path, into: &storage)
            try storage.withPrefix(size) { (bytes) throws(LeaseLogError) in
                guard case .success(let header) = SegmentHeader.decode(bytes), header.number == number else {
                    throw .corruptSegmentHeader(
                        segment: path, reason: "cannot compact a segment without a valid header")
                }
                if header.firstSequence > last + 1 {
                    throw .missingRecords(segment: path, expected: last + 1, found: header.firstSequence)
                }
                var sequence = header.firstSequence
                var invalid: Int?
                let scan = SegmentScanner.scan(bytes) { offset, _ in
                    defer { sequence += 1 }
                    guard sequence > covered, invalid == nil else { return }
                    guard case .record(let record, _) = RecordCodec.decode(bytes, at: offset) else {
                        invalid = offset
                        return
                    }
                    state.apply(record, sequence: sequence) { ended.append($0) }
                    last = sequence
                    records += 1
                }
                if let offset = invalid ?? scan.damage?.offset {
                    throw .corruptRecord(segment: path, offset: offset, reason: "damaged record in a sealed segment")
                }
            }
        }
        state.pruneQuarantine()
        let days = try history.merge(ended, through: last, sync: true) { observer(.historyWritten) }
        let (entryCount, snapshotBytes) = try writeSnapshot(state, previousCovered: covered, covering: last)
        covered = last
        folder = state
        observer(.snapshotRenamed)
        for number in sealed {
            observer(.segmentDelete)
            try fileSystem.remove(layout.segment(number))
        }
        try fileSystem.syncDirectory(directory)
        return CompactionReport(
            foldedSegments: sealed, foldedRecords: records, endedHoldings: ended.count, historyDays: days,
            snapshotEntries: entryCount, snapshotBytes: snapshotBytes, coveredSequence: last)
    }

    /// Writes the snapshot of `state` covering `last`: the previous snapshot (when it is the one
    /// `state` started this pass from) with the pass's changes merged in, else every entry.
    private func writeSnapshot(_ state: HoldingFolder, previousCovered: UInt64, covering last: UInt64)
        throws(LeaseLogError) -> (entries: Int, bytes: Int)
    {
        if let previous = try MappedFile.forLog(layout.snapshot) {
            let merged = previous.withBytes { bytes -> (entries: Int, result: Result<Int, LeaseLogError>)? in
                guard case .success(let header) = HoldingFile.decodeHeader(bytes, expecting: .snapshot),
                    header.sequence == previousCovered,
                    let encoded = HoldingFile.encodedEntries(bytes, kind: .snapshot),
                    let items = state.snapshotItems(previous: encoded)
                else { return nil }
                let result = Result { () throws(LeaseLogError) -> Int in
                    try HoldingFile.write(
                        items: items, kind: .snapshot, sequence: last, day: 0, to: layout.snapshot,
                        directory: layout.directory, fileSystem: fileSystem, sync: true
                    ) { observer(.snapshotWritten) }
                }
                return (items.count, result)
            }
            if let merged { return (merged.entries, try merged.result.get()) }
        }
        let entries = state.snapshotEntries()
        let bytes = try Snapshot.write(entries, covering: last, layout: layout, fileSystem: fileSystem, sync: true) {
            observer(.snapshotWritten)
        }
        return (entries.count, bytes)
    }

    /// The first sequence number in segment `number`, from its header; nil when it is gone.
    private func firstSequence(ofSegment number: UInt64) throws(LeaseLogError) -> UInt64? {
        guard let (descriptor, header) = try SegmentHeader.open(layout.segment(number), fileSystem: fileSystem) else {
            return nil
        }
        fileSystem.close(descriptor)
        return header.firstSequence
    }

    private func size(of path: String) throws(LeaseLogError) -> Int? {
        let descriptor: Int32
        do {
            descriptor = try fileSystem.open(path, mode: .readOnly)
        } catch {
            if case .system(let failure) = error, failure.errno == ENOENT { return nil }  // compacted meanwhile
            throw error
        }
        defer { fileSystem.close(descriptor) }
        return try fileSystem.size(descriptor, path: path)
    }
}

/// What a compaction pass did.
public struct CompactionReport: Sendable, Hashable {
    /// The segments folded (and deleted).
    public var foldedSegments: [UInt64]
    /// Records folded (those the previous snapshot did not already cover).
    public var foldedRecords: Int
    /// Holdings those records ended, now in the history.
    public var endedHoldings: Int
    /// The history days written.
    public var historyDays: [Int]
    /// Entries (live holdings and quarantines) in the new snapshot.
    public var snapshotEntries: Int
    /// The new snapshot's size.
    public var snapshotBytes: Int
    /// The last sequence number the snapshot covers.
    public var coveredSequence: UInt64
}

/// The log's size on disk, for metrics.
public struct LogStatus: Sendable, Hashable {
    /// Segments not yet compacted (the newest is the one being appended to).
    public var liveSegments = 0
    public var liveSegmentBytes = 0
    public var snapshotBytes = 0
    public var historyBytes = 0
    /// Ended holdings in the history.
    public var historyHoldings = 0
    /// The start (ms) of the oldest day in the history, nil when it is empty.
    public var oldestHistoryDay: Int64?

    public init() {}
}
