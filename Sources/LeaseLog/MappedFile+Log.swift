#if canImport(Glibc)
    import Glibc
#endif

/// A whole file mapped read-only (`mmap`), unmapped when the value goes away.
///
/// Trace queries map the snapshot and the history's day files and binary-search their address
/// index: only the pages a lookup touches are read. A file replaced by a rename while mapped
/// stays readable through the mapping (the old inode lives until it is unmapped). Owned by
/// the query that mapped it, and unmapped exactly once, when its last reference goes.
final class MappedFile {
    private let base: UnsafeRawPointer?
    /// The file's size when it was mapped.
    let count: Int

    /// Maps `path`; nil when it does not exist. An empty file maps to no bytes.
    init?(path: String) throws(LeaseLogError) {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw .system(SystemCallFailure(operation: "open", path: path, errno: errno))
        }
        defer { Glibc.close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw .system(SystemCallFailure(operation: "fstat", path: path, errno: errno))
        }
        count = Int(status.st_size)
        guard count > 0 else {
            base = nil
            return
        }
        let pointer = mmap(nil, count, PROT_READ, MAP_SHARED, descriptor, 0)
        guard let pointer, pointer != MAP_FAILED else {
            throw .system(SystemCallFailure(operation: "mmap", path: path, errno: errno))
        }
        base = UnsafeRawPointer(pointer)
    }

    deinit {
        if let base { _ = munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }

    /// The file's bytes, valid only inside `body`.
    func withBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }
}
