import CURing
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// The file calls PortLease makes: swift-system's `FileDescriptor` where it has the call
/// (open, pread, pwrite, ftruncate, fstat), thin wrappers where it has not (`fdatasync`,
/// `fsync` of a directory, rename, unlink, mkdir, readdir). Every failure is a
/// `SystemCallError` naming the operation and the path; `EINTR` is retried.
///
/// Descriptors returned by `open` belong to the caller, who closes them
/// (`closeIgnoringErrors()`, or an `OwnedDescriptor` that closes on deinit). The lease log's
/// `SystemFileSystem` is these calls behind its fault-injection seam.
public enum Files {
    /// Opens `path` as `intent` says (close-on-exec; new files get mode 0644).
    public static func open(_ path: String, _ intent: FileOpenIntent) throws(SystemCallError) -> FileDescriptor {
        try SystemCall.naming("open", path: path) {
            try FileDescriptor.open(
                FilePath(path), intent.access, options: intent.options,
                permissions: [.ownerReadWrite, .groupRead, .otherRead])
        }
    }

    /// Writes all of `bytes` at `offset`, retrying short writes. A write that makes no
    /// progress fails with `EIO` rather than looping.
    public static func write(
        _ descriptor: FileDescriptor, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String
    ) throws(SystemCallError) {
        var done = 0
        while done < bytes.count {
            let written = try SystemCall.naming("write", path: path) {
                try descriptor.write(
                    toAbsoluteOffset: Int64(offset + done), UnsafeRawBufferPointer(rebasing: bytes[done...]))
            }
            if written == 0 { throw SystemCallError("write", path: path, code: .ioError) }
            done += written
        }
    }

    /// Reads up to `buffer.count` bytes at `offset`; returns fewer only at the end of the file.
    public static func read(
        _ descriptor: FileDescriptor, into buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String
    ) throws(SystemCallError) -> Int {
        var done = 0
        while done < buffer.count {
            let count = try SystemCall.naming("read", path: path) {
                try descriptor.read(
                    fromAbsoluteOffset: Int64(offset + done),
                    into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]))
            }
            if count == 0 { break }
            done += count
        }
        return done
    }

    /// The file's size in bytes (`fstat`).
    public static func size(_ descriptor: FileDescriptor, path: String) throws(SystemCallError) -> Int {
        try Int(status(descriptor, path: path).size)
    }

    /// The file's status (`fstat`): size, type, ...
    public static func status(_ descriptor: FileDescriptor, path: String) throws(SystemCallError) -> Stat {
        do {
            return try descriptor.stat()
        } catch {
            throw SystemCallError("fstat", path: path, code: error)
        }
    }

    /// `fdatasync`: the file's data (and the size it needs) is on stable storage when this
    /// returns. A failure is not retryable: the kernel may have dropped the dirty pages.
    public static func syncData(_ descriptor: FileDescriptor, path: String) throws(SystemCallError) {
        _ = try SystemCall.retrying("fdatasync", path: path) { fdatasync(descriptor.rawValue) }
    }

    /// Paces the writeback of a large file written in pieces: waits until the previous piece
    /// (`previous`) is on the device, then starts writing back the piece just written (`current`),
    /// so at most one piece is in flight (`sync_file_range`). A big file written this way reaches
    /// its `fdatasync` with nothing left to flush, instead of handing the device tens of
    /// megabytes at once while other files' `fdatasync` (the shards' commits) wait behind them.
    /// Not a durability guarantee by itself: metadata and the size still need `fdatasync`.
    public static func flush(
        _ descriptor: FileDescriptor, previous: Range<Int>, current: Range<Int>, path: String
    ) throws(SystemCallError) {
        _ = try SystemCall.retrying("sync_file_range", path: path) {
            curing_flush_range(
                descriptor.rawValue, Int64(previous.lowerBound), Int64(previous.count), Int64(current.lowerBound),
                Int64(current.count))
        }
    }

    /// Allocates the blocks of the first `size` bytes (`fallocate`, mode 0), growing the file
    /// to `size` if it is shorter; the new bytes read as zeros. Fails with `EOPNOTSUPP` where
    /// the file system cannot (it never writes zeros instead).
    public static func allocate(_ descriptor: FileDescriptor, size: Int, path: String) throws(SystemCallError) {
        _ = try SystemCall.retrying("fallocate", path: path) {
            curing_allocate_range(descriptor.rawValue, 0, Int64(size))
        }
    }

    /// Cuts (or extends) the file to `size` bytes (`ftruncate`).
    public static func truncate(_ descriptor: FileDescriptor, to size: Int, path: String) throws(SystemCallError) {
        try SystemCall.naming("ftruncate", path: path) { try descriptor.resize(to: Int64(size)) }
    }
}
