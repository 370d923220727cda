import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// A whole file mapped read-only (`mmap`, `MAP_SHARED`), unmapped when the last reference goes.
///
/// Trace queries map the lease log's snapshot and history day files and binary-search their
/// address index, so only the pages a lookup touches are read. A file replaced by a rename
/// while it is mapped stays readable through the mapping (the old inode lives until it is
/// unmapped). The descriptor is closed as soon as the mapping exists; the mapping belongs to
/// this object, which the query that made it owns.
public final class MappedFile: Sendable {
    private nonisolated(unsafe) let base: UnsafeRawPointer?
    /// The file's size when it was mapped.
    public let count: Int

    /// Maps `path`; nil when it does not exist. An empty file maps to no bytes.
    public init?(path: String) throws(SystemCallError) {
        let descriptor: FileDescriptor
        do throws(SystemCallError) {
            descriptor = try Files.open(path, .readOnly)
        } catch {
            if error.code == .noSuchFileOrDirectory { return nil }
            throw error
        }
        defer { try? descriptor.close() }
        count = try Files.size(descriptor, path: path)
        guard count > 0 else {
            base = nil
            return
        }
        let pointer = mmap(nil, count, PROT_READ, MAP_SHARED, descriptor.rawValue, 0)
        guard let pointer, pointer != MAP_FAILED else { throw .lastError("mmap", path: path) }
        base = UnsafeRawPointer(pointer)
    }

    deinit {
        if let base { _ = munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }

    /// The file's bytes, valid only inside `body`.
    public func withBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }
}
