import PortLeaseSystem

/// Appends one log's records to its current segment with direct I/O: each group commit is one
/// write with `RWF_DSYNC`, from this type's memory to the device, durable when it completes.
/// Against a buffered `write` and an `fdatasync`, it skips the page cache and its writeback,
/// and with the segment's blocks written ahead as zeros the write changes no metadata: about a
/// fifth less time and CPU per commit on this project's machines (`ARCHITECTURE.md`).
///
/// A direct write covers whole blocks (``alignment``), so each one starts at the block the
/// previous one ended in and writes its first bytes again, unchanged: a write torn by a power
/// loss leaves them as they were either way, as the page cache's writeback of that block did.
///
/// Memory: `staging` (page-aligned, allocated once, grown only for a group larger than any
/// before it) holds that partial block followed by the group's records. While a write is in
/// flight the kernel reads `staging`, so nothing touches it: records written meanwhile wait in
/// `held`, and move into `staging` when the next write is prepared. One owner (the log's
/// writer thread); the descriptor is the appender's from ``attach`` to ``detach()``.
final class DirectAppender {
    /// Memory, offset and length alignment of every write.
    static let alignment = Files.directAlignment
    /// How much is written as zeros ahead of the records at a time.
    static let zeroChunk = 256 << 10

    private var staging: MappedMemory
    private let zeros: MappedMemory
    private let held = ByteBuffer(capacity: 64 << 10)
    /// The segment's direct descriptor; -1 when detached.
    private(set) var descriptor: Int32 = -1
    private var path = ""
    /// The file offset of `staging`'s first byte (a multiple of ``alignment``).
    private var base = 0
    /// Bytes at the start of `staging` already durable: the last block's part before the records' end.
    private var tail = 0
    /// The file reads as written zeros, not as unallocated or unwritten blocks, up to here: a
    /// write below it changes no extent, so its sync has no metadata to write.
    private var zeroedEnd = 0
    /// The file's blocks are allocated up to here; zeros are written no further.
    private var allocatedEnd = 0
    /// The write in flight: its length in bytes and the file offset its records end at.
    private(set) var inFlight: (length: Int, end: Int)?

    init() throws(SystemCallError) {
        staging = try MappedMemory(length: 256 << 10, purpose: "lease log direct writes")
        zeros = try MappedMemory(length: Self.zeroChunk, purpose: "lease log zeros")
    }

    /// Whether a segment is attached: the log writes through this appender.
    var isAttached: Bool { descriptor >= 0 }

    /// Makes `descriptor` (opened for direct writes) the segment appended to. Its records end at
    /// `end` and its blocks are allocated up to `allocated`; `readTail` reads the bytes of the
    /// block `end` falls in that come before it (into the buffer, from the file offset given).
    func attach(
        descriptor: Int32, path: String, end: Int, allocated: Int,
        readTail: (UnsafeMutableRawBufferPointer, Int) throws(LeaseLogError) -> Void
    ) throws(LeaseLogError) {
        base = end - end % Self.alignment
        tail = end - base
        staging.base.initializeMemory(as: UInt8.self, repeating: 0, count: Self.alignment)
        if tail > 0 { try readTail(UnsafeMutableRawBufferPointer(start: staging.base, count: tail), base) }
        zeroedEnd = base + (tail > 0 ? Self.alignment : 0)
        allocatedEnd = allocated - allocated % Self.alignment
        held.removeAll()
        inFlight = nil
        self.descriptor = descriptor
        self.path = path
    }

    /// Forgets the segment and returns its descriptor, for the caller to close.
    func detach() -> Int32 {
        defer { descriptor = -1 }
        held.removeAll()
        inFlight = nil
        return descriptor
    }

    /// Keeps written records until the next ``prepare(fileSystem:)``.
    func hold(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        held.reserve(bytes.count).copyMemory(from: source, byteCount: bytes.count)
        held.commitGrowth(bytes.count)
    }

    /// Moves the held records into `staging`, after the partial block, and returns the write
    /// that makes them durable (whole blocks from the one they start in). Zeros are written
    /// ahead first, not durably (the write's own sync covers the extents they change), so that
    /// the write itself changes no allocation; should that fail, the write still allocates what
    /// it needs, only at a higher price. Throws with a write in flight (a caller's bug, made a
    /// failed log rather than a corrupted write) or when a growth of `staging` fails.
    func prepare(fileSystem: any LogFileSystem) throws(LeaseLogError) -> (bytes: UnsafeRawBufferPointer, offset: Int) {
        // A second write now would change the memory the first one is being written from.
        guard inFlight == nil else {
            throw .system(
                SystemCallFailure("durable write while another is in flight", path: path, code: .resourceBusy))
        }
        let end = tail + held.count
        let length = (end + Self.alignment - 1) / Self.alignment * Self.alignment
        if length > staging.length { try grow(to: length) }
        if let source = held.bytes.baseAddress {
            (staging.base + tail).copyMemory(from: source, byteCount: held.count)
        }
        (staging.base + end).initializeMemory(as: UInt8.self, repeating: 0, count: length - end)
        held.removeAll()
        writeZeros(through: base + length, fileSystem: fileSystem)
        inFlight = (length, base + end)
        return (UnsafeRawBufferPointer(start: staging.base, count: length), base)
    }

    /// The write in flight ended with `written` bytes. True when it wrote them all: the block
    /// its records ended in becomes the partial block the next write starts with.
    func complete(written: Int) -> Bool {
        guard let (length, end) = inFlight else { return false }
        inFlight = nil
        guard written == length else { return false }
        let newBase = end - end % Self.alignment
        tail = end - newBase
        if newBase > base, tail > 0 { staging.base.copyMemory(from: staging.base + (newBase - base), byteCount: tail) }
        base = newBase
        return true
    }

    /// Writes zeros from ``zeroedEnd`` until a chunk past `needed`, within the allocation.
    private func writeZeros(through needed: Int, fileSystem: any LogFileSystem) {
        let target = min(needed + Self.zeroChunk, allocatedEnd)
        while zeroedEnd < target {
            let count = min(Self.zeroChunk, allocatedEnd - zeroedEnd)
            do throws(LeaseLogError) {
                try fileSystem.writeDirect(
                    descriptor, UnsafeRawBufferPointer(start: zeros.base, count: count), at: zeroedEnd, durable: false,
                    path: path)
            } catch {
                zeroedEnd = allocatedEnd  // not worth retrying: writes allocate as they go
                return
            }
            zeroedEnd += count
        }
    }

    private func grow(to length: Int) throws(LeaseLogError) {
        var size = staging.length * 2
        while size < length { size *= 2 }
        let larger: MappedMemory
        do {
            larger = try MappedMemory(length: size, purpose: "lease log direct writes")
        } catch {
            throw .system(error)
        }
        larger.base.copyMemory(from: staging.base, byteCount: tail)
        staging = larger
    }
}
