import PortLeaseSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Follows one shard's log: the records after a sequence number, in order, across segments,
/// as the writer appends them, never past the last committed one.
///
/// The reader of everything that leaves the machine from the log (history shipping now,
/// replication later). It reads the files, not the writer's memory, so it runs on any thread
/// beside the writer and compaction; it stops at the `committed` sequence its caller passes
/// (what the shard worker publishes after each durable commit), so it never hands on a record
/// a failed commit could still take back. It keeps one segment open and a read position in
/// it, and reads in chunks of `chunkSize` bytes into a buffer allocated once.
///
/// Compaction may delete the segments behind it; a caller that lets compaction delete
/// segments it has not read (`LogCompactor.compact(through:)` prevents that) gets
/// `.missingRecords`, also when the segment it was reading was deleted under it.
public final class LogTail {
    /// The shard's log directory.
    public let directory: String
    /// The sequence number of the last record handed on (or the starting point).
    public private(set) var position: UInt64
    private let layout: LogLayout
    private let fileSystem: any LogFileSystem
    /// Allocated once, owned by the tail: each read's chunk, and each segment header.
    private let buffer: UnsafeMutableRawBufferPointer
    private var segment: OpenSegment?

    /// The segment being read: where the next record starts and its sequence number.
    private struct OpenSegment {
        var number: UInt64
        var descriptor: Int32
        var path: String
        var offset: Int
        var next: UInt64
    }

    /// The largest read; a record is at most `RecordCodec.maximumSize` (1,085) bytes.
    public static let chunkSize = 1 << 20

    /// A tail whose first record will be `position + 1`.
    public init(directory: String, after position: UInt64, fileSystem: any LogFileSystem = SystemFileSystem()) {
        self.directory = directory
        self.position = position
        self.layout = LogLayout(directory: directory)
        self.fileSystem = fileSystem
        self.buffer = .allocate(byteCount: Self.chunkSize, alignment: 8)
    }

    deinit {
        if let segment { fileSystem.close(segment.descriptor) }
        buffer.deallocate()
    }

    /// Reads the records after ``position`` up to `committed` (at most `limit` of them), calling
    /// `body` with each and its sequence number. Returns how many it read: fewer than asked when
    /// the files do not hold them yet (a segment just started).
    @discardableResult
    public func read(through committed: UInt64, limit: Int, body: (LeaseRecord, UInt64) -> Void)
        throws(LeaseLogError) -> Int
    {
        var count = 0
        while position < committed && count < limit {
            if segment == nil { segment = try locate() }
            guard var current = segment else { break }
            let size = try fileSystem.read(
                current.descriptor,
                into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<readSize(committed, limit - count)]),
                at: current.offset, path: current.path)
            var offset = 0
            do {
                let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<size])
                while offset < size && current.next <= committed && count < limit {
                    guard case .record(let record, let length) = RecordCodec.decode(bytes, at: offset) else { break }
                    if current.next > position {
                        body(record, current.next)
                        position = current.next
                        count += 1
                    }
                    current.next += 1
                    offset += length
                }
            }
            current.offset += offset
            segment = current
            if offset == 0 {
                // The end of what this segment holds: the writer has moved on to the next one, or
                // has not written the committed records' bytes where this read can see them yet.
                if let following = try open(current.number + 1) {
                    guard following.next == current.next else {
                        fileSystem.close(following.descriptor)
                        break
                    }
                    fileSystem.close(current.descriptor)
                    segment = following
                } else if try !exists(current.path) {
                    // Compaction deleted this segment (it deletes sealed ones only) and the next
                    // one while the tail still read it through its descriptor: the next records
                    // may be gone. Locate them again, which throws `.missingRecords` if they are.
                    fileSystem.close(current.descriptor)
                    segment = nil
                    guard let found = try locate() else { break }
                    segment = found
                } else {
                    break
                }
            }
        }
        return count
    }

    /// How many bytes to read for `records` more records up to `through`: about what they
    /// take, not the whole chunk. A segment is preallocated, so a read of the chunk would copy
    /// a megabyte of zeros after the few records a follower waits for (10% of an active's CPU
    /// in synchronous replication, measured). At least a page, which holds any record, so a
    /// read that finds none has reached what is written.
    private func readSize(_ through: UInt64, _ records: Int) -> Int {
        let wanted = min(UInt64(records), through - position) * Self.typicalRecordBytes
        return Int(min(UInt64(Self.chunkSize), max(4096, wanted)))
    }

    /// A generous size of a record (most take under 100 bytes; a read that gets fewer records
    /// than wanted is followed by another).
    static let typicalRecordBytes: UInt64 = 192

    /// Opens the segment holding record `position + 1`; nil when there is no segment yet.
    private func locate() throws(LeaseLogError) -> OpenSegment? {
        let numbers = try LogLayout.segmentNumbers(in: directory, fileSystem: fileSystem)
        var found: OpenSegment?
        for number in numbers.reversed() {
            guard let candidate = try open(number) else { continue }
            if candidate.next <= position + 1 {
                found = candidate
                break
            }
            if number == numbers.first {
                fileSystem.close(candidate.descriptor)
                throw .missingRecords(segment: candidate.path, expected: position + 1, found: candidate.next)
            }
            fileSystem.close(candidate.descriptor)
        }
        return found
    }

    /// Whether `path` still exists.
    private func exists(_ path: String) throws(LeaseLogError) -> Bool {
        do {
            fileSystem.close(try fileSystem.open(path, mode: .readOnly))
            return true
        } catch {
            if case .system(let failure) = error, failure.errno == ENOENT { return false }
            throw error
        }
    }

    /// Opens segment `number` at its first record; nil when it does not exist (yet, or any more).
    private func open(_ number: UInt64) throws(LeaseLogError) -> OpenSegment? {
        let path = layout.segment(number)
        guard let (descriptor, header) = try SegmentHeader.open(path, fileSystem: fileSystem) else { return nil }
        return OpenSegment(
            number: number, descriptor: descriptor, path: path, offset: SegmentHeader.size, next: header.firstSequence)
    }
}
