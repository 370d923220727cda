/// How a file is opened by the lease log.
public enum FileOpenMode: Sendable {
    /// Read only; the file must exist.
    case readOnly
    /// Read and write, creating the file if needed, keeping its contents (a segment reopened for appends).
    case readWrite
    /// Write only, creating the file or emptying it (temporary files before a rename).
    case truncate
}

/// The file-system calls the lease log makes, in one place, so tests can inject failures.
///
/// Every call either succeeds or throws `LeaseLogError.system` with the operation, path and
/// errno (`syncData` throws `.syncFailed`). `SystemFileSystem` is the real implementation;
/// a test wraps it to fail a `write` with `ENOSPC` or an `fdatasync` with `EIO`.
/// Implementations must be safe to call from several threads (the writer, the compactor and
/// trace queries run concurrently).
public protocol LogFileSystem: Sendable {
    /// Opens `path` and returns its file descriptor.
    func open(_ path: String, mode: FileOpenMode) throws(LeaseLogError) -> Int32
    /// Closes a descriptor; errors are ignored (the data was synced before, or did not matter).
    func close(_ descriptor: Int32)
    /// Writes all of `bytes` at `offset`, retrying short writes and `EINTR`.
    func write(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String)
        throws(LeaseLogError)
    /// Reads up to `buffer.count` bytes at `offset`; returns fewer only at the end of the file.
    func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String)
        throws(LeaseLogError) -> Int
    /// The file's size in bytes.
    func size(_ descriptor: Int32, path: String) throws(LeaseLogError) -> Int
    /// `fdatasync`: the file's data (and the size it needs) is on stable storage when this returns.
    func syncData(_ descriptor: Int32, path: String) throws(LeaseLogError)
    /// Paces the writeback of a large file written in pieces: waits for `previous` to reach the
    /// device and starts writing back `current` (see `Files.flush`). Compaction calls it after
    /// each piece of a snapshot, so its final `fdatasync` does not flood the device the shards'
    /// commits share. A failure is a sync failure (`.syncFailed`), as the data may be lost.
    func flush(_ descriptor: Int32, previous: Range<Int>, current: Range<Int>, path: String) throws(LeaseLogError)
    /// Allocates the file's blocks up to `size` bytes ahead of the writes that will fill them,
    /// growing it to `size` with bytes that read as zeros (`fallocate`). A segment allocated
    /// this way is appended to without changing its size, so an `fdatasync` has no size or
    /// block allocation to write back with the data (about a quarter less CPU per sync, measured on ext4).
    func preallocate(_ descriptor: Int32, size: Int, path: String) throws(LeaseLogError)
    /// Opens an existing file for direct writes (``writeDirect(_:_:at:durable:path:)``), or
    /// returns nil where the file system cannot (the log then writes through the page cache).
    func openDirect(_ path: String) -> Int32?
    /// Writes `bytes` (aligned to `Files.directAlignment` in memory, offset and length) at
    /// `offset` through a descriptor from ``openDirect(_:)``; with `durable` they are on stable
    /// storage when it returns, and a failure then throws `.syncFailed`.
    func writeDirect(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, durable: Bool, path: String)
        throws(LeaseLogError)
    /// Cuts the file to `size` bytes.
    func truncate(_ descriptor: Int32, to size: Int, path: String) throws(LeaseLogError)
    /// Atomically renames `source` to `destination`, replacing it.
    func rename(_ source: String, to destination: String) throws(LeaseLogError)
    /// Deletes a file.
    func remove(_ path: String) throws(LeaseLogError)
    /// `fsync` on a directory, so that renames and new files in it survive a power loss.
    func syncDirectory(_ path: String) throws(LeaseLogError)
    /// Creates a directory; succeeds if it already exists.
    func createDirectory(_ path: String) throws(LeaseLogError)
    /// The names in a directory (without "." and ".."); a missing directory lists as empty.
    func list(_ path: String) throws(LeaseLogError) -> [String]
}

extension LogFileSystem {
    /// No allocation ahead: a file system that does not implement it (a test's) grows on write.
    public func preallocate(_ descriptor: Int32, size: Int, path: String) throws(LeaseLogError) {}

    /// No direct writes: a file system that does not implement them (a test's) goes through the
    /// page cache, where its injected failures are.
    public func openDirect(_ path: String) -> Int32? { nil }

    /// Never called without ``openDirect(_:)``; written through the page cache if it is.
    public func writeDirect(
        _ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, durable: Bool, path: String
    ) throws(LeaseLogError) {
        try write(descriptor, bytes, at: offset, path: path)
        if durable { try syncData(descriptor, path: path) }
    }

    /// No pacing: a file system that does not implement it (a test's) flushes at `fdatasync`.
    public func flush(_ descriptor: Int32, previous: Range<Int>, current: Range<Int>, path: String)
        throws(LeaseLogError)
    {}

    /// Reads a whole file into `buffer` (grown as needed, never shrunk, so a caller can reuse it)
    /// and returns the number of bytes read.
    func readAll(_ path: String, into buffer: inout [UInt8]) throws(LeaseLogError) -> Int {
        let descriptor = try open(path, mode: .readOnly)
        defer { close(descriptor) }
        let count = try size(descriptor, path: path)
        // Grown without zeroing: every byte up to `count` is read into right after.
        if buffer.count < count { buffer = [UInt8](unsafeUninitializedCapacity: count) { $1 = count } }
        return try buffer.withUnsafeMutableBytes { raw in
            Result { () throws(LeaseLogError) -> Int in
                try read(descriptor, into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<count]), at: 0, path: path)
            }
        }.get()
    }

    /// Writes `bytes` to `path` so that the file either keeps its old contents or has exactly
    /// the new ones, even across a power loss (see `replaceAtomically`). The one atomic write of
    /// PortLease: segment headers, repairs, and the server's DUID file are written with it.
    public func writeAtomically(_ bytes: UnsafeRawBufferPointer, to path: String, directory: String, sync: Bool)
        throws(LeaseLogError)
    {
        try replaceAtomically(path, directory: directory, sync: sync) { (descriptor, temporary) throws(LeaseLogError) in
            try write(descriptor, bytes, at: 0, path: temporary)
        }
    }

    /// Replaces `path` by what `fill` writes to a temporary file `path.tmp` (given its descriptor
    /// and path): then `fdatasync`, `beforeRename`, rename over `path`, `fsync` of `directory`.
    /// Without `sync` both syncs are skipped (all-or-nothing for a crash of the process, not of
    /// the machine). If `fill` or the sync fails, the temporary file is removed and `path` untouched.
    func replaceAtomically(
        _ path: String, directory: String, sync: Bool, beforeRename: () -> Void = {},
        fill: (Int32, String) throws(LeaseLogError) -> Void
    ) throws(LeaseLogError) {
        let temporary = path + ".tmp"
        let descriptor = try open(temporary, mode: .truncate)
        do throws(LeaseLogError) {
            try fill(descriptor, temporary)
            if sync { try syncData(descriptor, path: temporary) }
        } catch {
            close(descriptor)
            try? remove(temporary)
            throw error
        }
        close(descriptor)
        beforeRename()
        try rename(temporary, to: path)
        if sync { try syncDirectory(directory) }
    }
}
