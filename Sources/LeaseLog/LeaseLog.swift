import PortLeaseSystem
import SystemPackage

/// One shard's durable write-ahead lease log: append records, commit them in groups,
/// recover them after a crash.
///
/// The shard worker appends a record for every lease change while it handles a batch of
/// packets, then calls `commit()` once: one `write` and one `fdatasync` for the whole batch.
/// Only after `commit()` returns a sequence number at or past a record's may the worker send
/// the ACK that depends on it. Opening the log replays it (snapshot, then segments).
///
/// Thread safety: a `LeaseLog` belongs to one thread (the shard worker); it is not `Sendable`.
/// `LogCompactor` and `LeaseHistory` work on the same directory from other threads at the same
/// time, because the writer never touches a segment again once it has sealed it.
public final class LeaseLog {
    /// How hard `commit()` works to make records survive a power loss.
    public enum Durability: Sendable {
        /// `fdatasync` on every commit (and on segment creation): a committed record survives power loss.
        case fsync
        /// `write` only: a committed record survives the process crashing, not the machine.
        /// For operators who accept the risk, as with Kea's memfile without fsync.
        case none
    }

    /// Settings for a log.
    public struct Options: Sendable {
        /// A commit that finds the current segment at or past this many bytes starts a new one first.
        public var segmentSize: Int
        /// A commit that finds the current segment older than this many milliseconds (and not empty)
        /// also starts a new one, so that a quiet log still seals segments for compaction; nil: by size only.
        public var segmentMaxAge: Int64?
        /// `fsync` (the default) or `none`; see `Durability`.
        public var durability: Durability
        /// The file-system calls; replaced in tests to inject failures.
        public var fileSystem: any LogFileSystem
        /// Whether a segment's blocks are allocated when it starts (`segmentSize` bytes and a
        /// little more, reading as zeros until written), so that appends change neither its
        /// size nor its allocation and each `fdatasync` writes back less metadata. Readers take a zero-filled
        /// rest of a segment as its end; a sealed segment is cut to its records.
        public var preallocate: Bool
        /// Whether a preallocated segment is written with direct I/O, each commit one durable
        /// write (`DirectAppender`) instead of a `write` and an `fdatasync`: with `fsync`
        /// durability, where the file system has direct I/O (`O_DIRECT`) and its file system
        /// implements it (not a test's). Otherwise, or when it cannot be set up, the segment is
        /// written through the page cache as before.
        public var directWrites: Bool

        public init(
            segmentSize: Int = 64 << 20, segmentMaxAge: Int64? = nil, durability: Durability = .fsync,
            fileSystem: any LogFileSystem = SystemFileSystem(), preallocate: Bool = true, directWrites: Bool = true
        ) {
            self.segmentSize = segmentSize
            self.segmentMaxAge = segmentMaxAge
            self.durability = durability
            self.fileSystem = fileSystem
            self.preallocate = preallocate
            self.directWrites = directWrites
        }
    }

    /// The log's directory.
    public let directory: String
    /// The settings the log was opened with.
    public let options: Options
    /// What recovery found when the log was opened.
    public let recovery: RecoveryReport
    /// The sequence number of the last record appended (committed or not).
    public private(set) var lastAppended: UInt64
    /// The sequence number of the last record written to the segment file (durable or not yet).
    public private(set) var lastWritten: UInt64
    /// The sequence number of the last committed record: every record up to it is durable.
    public internal(set) var lastCommitted: UInt64
    /// Records appended but not yet written (a failed write leaves them here to retry).
    public var pendingCount: Int { Int(lastAppended - lastWritten) }
    /// Whether the current segment is written with direct I/O (``Options/directWrites``).
    public var writesDirectly: Bool { direct?.isAttached ?? false }
    /// Set when the log has failed (an `fdatasync` error): every later call throws `.logFailed`.
    public private(set) var failure: SystemCallFailure?

    private let layout: LogLayout
    let fileSystem: any LogFileSystem
    private let batch = ByteBuffer(capacity: 64 << 10)
    private var segmentNumber: UInt64 = 0
    private(set) var segmentPath = ""
    private(set) var segmentDescriptor: Int32 = -1
    /// Bytes in the current segment file that are written (durable up to `lastCommitted`).
    private var segmentLength = 0
    /// When the current segment was started or reopened (monotonic ns), for `segmentMaxAge`.
    private var segmentStarted: UInt64 = 0
    /// Writes the current segment when it is attached (``Options/directWrites``); nil: never.
    let direct: DirectAppender?

    /// Opens (or creates) the log in `directory`, replaying it into `replay` first: the snapshot's
    /// live leases, then every later record in order.
    ///
    /// A torn tail is truncated and reported in `recovery.truncatedTail`. Damage anywhere else
    /// throws (`corruptRecord`, `corruptSegmentHeader`, `missingRecords`, `corruptSnapshot`) and
    /// changes nothing; see `repair(directory:segment:offset:fileSystem:)`. Records are handed to
    /// `replay` as each segment is read, so when `init` throws, what was replayed must be discarded.
    public init(directory: String, options: Options = Options(), replay: (ReplayedRecord) -> Void = { _ in })
        throws(LeaseLogError)
    {
        self.directory = directory
        self.options = options
        self.layout = LogLayout(directory: directory)
        self.fileSystem = options.fileSystem
        direct =
            options.durability == .fsync && options.directWrites && options.preallocate
            ? try? DirectAppender() : nil
        try fileSystem.createDirectory(directory)
        for name in try fileSystem.list(directory) where name.hasSuffix(".tmp") {
            try fileSystem.remove(directory + "/" + name)
        }
        let outcome = try LogRecovery.run(layout: layout, fileSystem: fileSystem, replay: replay)
        recovery = outcome.report
        lastAppended = outcome.report.lastSequence
        lastWritten = outcome.report.lastSequence
        lastCommitted = outcome.report.lastSequence
        let sync = options.durability == .fsync
        var segments = outcome.segments
        if let last = segments.last, last.headerTorn {
            try fileSystem.remove(layout.segment(last.number))
            if sync { try fileSystem.syncDirectory(directory) }
            segments.removeLast()
        } else if let last = segments.last, outcome.report.truncatedTail != nil {
            let path = layout.segment(last.number)
            let descriptor = try fileSystem.open(path, mode: .readWrite)
            defer { fileSystem.close(descriptor) }
            try fileSystem.truncate(descriptor, to: last.validEnd, path: path)
            if sync { try fileSystem.syncData(descriptor, path: path) }
        }
        if let last = segments.last, last.nextSequence == lastCommitted + 1 {
            let path = layout.segment(last.number)
            segmentDescriptor = try fileSystem.open(path, mode: .readWrite)
            segmentNumber = last.number
            segmentPath = path
            segmentLength = last.validEnd
            segmentStarted = SystemClock.monotonicNanoseconds()
            preallocateSegment()
        } else {
            // No segment yet, or the snapshot covers all of them: start a new one after every number in use.
            try startSegment(number: (outcome.segments.last?.number ?? 0) + 1)
        }
    }

    deinit {
        closeSegment()
    }

    /// Replays the log in `directory` without changing anything (for tools and checks):
    /// the same records and report as opening it, with a torn tail reported but not truncated.
    ///
    /// With `filter`, only records it accepts are decoded and replayed: a lookup over millions
    /// of records decides on each one in place (`RecordView`) and decodes only those it keeps.
    public static func recover(
        directory: String, fileSystem: any LogFileSystem = SystemFileSystem(),
        filter: RecordFilter? = nil, replay: (ReplayedRecord) -> Void = { _ in }
    ) throws(LeaseLogError) -> RecoveryReport {
        try LogRecovery.run(
            layout: LogLayout(directory: directory), fileSystem: fileSystem, filter: filter?.accepts, replay: replay
        ).report
    }

    /// Adds a record to the current batch and returns its sequence number. Nothing is written
    /// until `commit()`; the record is encoded into a reused buffer (no allocation in steady state).
    /// Throws `.invalidRecord` for out-of-range fields, `.logFailed` after a sync failure.
    @discardableResult
    public func append(_ record: LeaseRecord) throws(LeaseLogError) -> UInt64 {
        try checkUsable()
        try RecordCodec.validate(record)
        RecordCodec.encode(record, into: batch)
        lastAppended += 1
        return lastAppended
    }

    /// Writes the batch with one `write` and (with `.fsync`) one `fdatasync`, and returns the
    /// sequence number up to which records are now durable: ``write(mayRotate:)`` then
    /// ``syncWritten()``.
    ///
    /// On a write error (`ENOSPC`, `EIO`, ...) the file is cut back to its written length,
    /// the batch stays pending (retry `commit()` or `discardPending()`), and nothing is reported
    /// durable. On an `fdatasync` error the log is marked failed: Linux may have discarded the
    /// dirty pages and a retry could succeed without the data, so the only safe path is to
    /// reopen the log and let recovery read what is really on disk.
    @discardableResult
    public func commit() throws(LeaseLogError) -> UInt64 {
        try write()
        return try syncWritten()
    }

    /// A pipelined commit's first half: writes the pending records with one `write`, without
    /// waiting for them to be durable, and returns the last sequence number written. The
    /// shard worker then has the segment synced (``unsynced``) while it works on the next batch,
    /// and reports the sync's end with ``completeSync(through:result:)``.
    ///
    /// With `mayRotate` false the segment is not changed even when it is due (a sync of it is
    /// still in flight); the next write may. A rotation first syncs the segment it closes, so
    /// every record written before it is durable when it returns.
    /// Errors are handled as in ``commit()``. With durability `none`, what is written counts
    /// as committed.
    @discardableResult
    public func write(mayRotate: Bool = true) throws(LeaseLogError) -> UInt64 {
        try checkUsable()
        guard batch.count > 0 else { return lastWritten }
        if mayRotate && segmentLength > SegmentHeader.size
            && (segmentLength >= options.segmentSize || segmentTooOld())
        {
            try syncWritten()
            try rotate()
        }
        if let direct, direct.isAttached {
            // On disk at the next sync, which is then one durable write.
            direct.hold(batch.bytes)
            segmentLength += batch.count
            batch.removeAll()
            lastWritten = lastAppended
            return lastWritten
        }
        do throws(LeaseLogError) {
            try fileSystem.write(segmentDescriptor, batch.bytes, at: segmentLength, path: segmentPath)
        } catch {
            do throws(LeaseLogError) {
                try fileSystem.truncate(segmentDescriptor, to: segmentLength, path: segmentPath)
            } catch {
                markFailed(error)
            }
            throw error
        }
        segmentLength += batch.count
        batch.removeAll()
        lastWritten = lastAppended
        if options.durability == .none { lastCommitted = lastWritten }
        return lastWritten
    }

    /// Drops the records appended since the last commit (after a failed commit the caller gives up on).
    public func discardPending() {
        batch.removeAll()
        lastAppended = lastWritten
    }

    /// Closes the current segment and starts a new one, so that every committed record is in a
    /// sealed segment that `LogCompactor` may fold while this log goes on appending.
    ///
    /// Call it right after a commit, with the engine's live leases as of that moment in hand:
    /// they are what the snapshot must hold. Throws `.pendingRecords` if records are uncommitted.
    public func sealForCompaction() throws(LeaseLogError) -> CompactionPoint {
        try checkUsable()
        guard pendingCount == 0 && lastWritten == lastCommitted else {
            throw .pendingRecords(count: Int(lastAppended - lastCommitted))
        }
        if segmentLength > SegmentHeader.size { try rotate() }
        return CompactionPoint(lastSegment: segmentNumber - 1, coveredSequence: lastCommitted)
    }

    /// Closes the segment file; uncommitted records are lost. Later calls throw `.closed`.
    /// Not with a ``beginSync()`` in flight: its memory would go with the log.
    public func close() {
        closeSegment()
        segmentDescriptor = -1
        discardPending()
    }

    private func closeSegment() {
        closeDirect()
        if segmentDescriptor >= 0 { fileSystem.close(segmentDescriptor) }
    }

    /// Ends the current segment's direct writes, if any (the buffered descriptor stays open).
    private func closeDirect() {
        if let direct, direct.isAttached { fileSystem.close(direct.detach()) }
    }

    private func segmentTooOld() -> Bool {
        guard let age = options.segmentMaxAge else { return false }
        return SystemClock.monotonicNanoseconds() - segmentStarted >= UInt64(max(0, age)) * 1_000_000
    }

    /// Throws if the log cannot take appends or commits: failed, or closed.
    func checkUsable() throws(LeaseLogError) {
        if let failure { throw .logFailed(cause: failure) }
        if segmentDescriptor < 0 { throw .closed(directory: directory) }
    }

    private func rotate() throws(LeaseLogError) {
        let old = (descriptor: segmentDescriptor, path: segmentPath, length: segmentLength)
        closeDirect()
        try startSegment(number: segmentNumber + 1)
        // The sealed segment loses its unused allocation. Not synced: should the cut be lost,
        // readers take the zeros after its last record as its end anyway.
        if options.preallocate { try? fileSystem.truncate(old.descriptor, to: old.length, path: old.path) }
        fileSystem.close(old.descriptor)
    }

    /// Allocates the current segment's blocks ahead of its appends (``Options/preallocate``).
    /// A failure (a file system without `fallocate`, or not enough space) leaves the segment
    /// to grow on write, as without the option, and gives back what a failed call did
    /// allocate (ext4 keeps the blocks it found before `ENOSPC`), so that a disk too small
    /// for a whole segment is not left full by its allocation; a full disk then shows at the
    /// write, under the failure policy.
    ///
    /// A segment allocated this way is then written directly (``Options/directWrites``) when
    /// the file system can.
    private func preallocateSegment() {
        guard options.preallocate else { return }
        let size = max(options.segmentSize, segmentLength) + Self.preallocationSlack
        do throws(LeaseLogError) {
            try fileSystem.preallocate(segmentDescriptor, size: size, path: segmentPath)
        } catch {
            try? fileSystem.truncate(segmentDescriptor, to: segmentLength, path: segmentPath)
            return
        }
        guard let direct, let descriptor = fileSystem.openDirect(segmentPath) else { return }
        let (buffered, path) = (segmentDescriptor, segmentPath)
        do throws(LeaseLogError) {
            try direct.attach(descriptor: descriptor, path: path, end: segmentLength, allocated: size) {
                (buffer, offset) throws(LeaseLogError) in
                guard try fileSystem.read(buffered, into: buffer, at: offset, path: path) == buffer.count else {
                    throw .system(SystemCallFailure("read", path: path, code: .ioError))
                }
            }
        } catch {
            fileSystem.close(descriptor)  // written through the page cache instead
        }
    }

    /// Room past `segmentSize` for the batch that crosses it.
    static let preallocationSlack = 1 << 20

    /// Creates segment `number` (header written to a temporary file, synced, renamed) and makes it current.
    private func startSegment(number: UInt64) throws(LeaseLogError) {
        let path = layout.segment(number)
        let header = ByteBuffer(capacity: SegmentHeader.size)
        SegmentHeader(number: number, firstSequence: lastCommitted + 1).encode(into: header)
        do throws(LeaseLogError) {
            try fileSystem.writeAtomically(
                header.bytes, to: path, directory: directory, sync: options.durability == .fsync)
        } catch {
            // A failed directory sync after the rename is an fsync failure like any other.
            if case .syncFailed = error { markFailed(error) }
            throw error
        }
        let descriptor: Int32
        do throws(LeaseLogError) {
            descriptor = try fileSystem.open(path, mode: .readWrite)
        } catch {
            // The new segment exists but cannot be appended to: it must go, or recovery would find
            // the old segment's later records overlapping it.
            do throws(LeaseLogError) { try fileSystem.remove(path) } catch { markFailed(error) }
            throw error
        }
        segmentNumber = number
        segmentPath = path
        segmentDescriptor = descriptor
        segmentLength = SegmentHeader.size
        segmentStarted = SystemClock.monotonicNanoseconds()
        preallocateSegment()
    }

    func markFailed(_ error: LeaseLogError) {
        switch error {
        case .system(let cause), .syncFailed(let cause), .logFailed(let cause): failure = failure ?? cause
        default: failure = failure ?? SystemCallFailure(operation: "\(error)", path: directory, errno: 0)
        }
    }
}

/// Where a log was sealed for compaction: segments up to `lastSegment` hold exactly the records
/// up to `coveredSequence`, and the snapshot written with this point must be the live leases then.
public struct CompactionPoint: Sendable, Hashable {
    /// The highest sealed segment number (compaction folds it and every one before).
    public var lastSegment: UInt64
    /// The last sequence number in those segments: the snapshot holds the state after it.
    public var coveredSequence: UInt64

    public init(lastSegment: UInt64, coveredSequence: UInt64) {
        self.lastSegment = lastSegment
        self.coveredSequence = coveredSequence
    }
}
