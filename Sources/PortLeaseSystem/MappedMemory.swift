#if canImport(Glibc)
    import Glibc
#endif

/// Zeroed, page-aligned anonymous memory (`mmap`), unmapped on deinit.
///
/// `~Copyable`: one owner. Memory the kernel reads or writes through an io_uring (the receive
/// loop's provided buffers and their ring) lives here, at an address that never moves; its
/// owner must tear the ring down before this value goes away.
package struct MappedMemory: ~Copyable {
    /// The first byte; valid while this value lives.
    package let base: UnsafeMutableRawPointer
    /// The length in bytes, as asked.
    package let length: Int

    /// Maps `length` bytes; `purpose` names the mapping in the error ("mmap provided buffers").
    package init(length: Int, purpose: String) throws(SystemCallError) {
        let pointer = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let pointer, pointer != MAP_FAILED else { throw .lastError("mmap \(purpose)") }
        base = pointer
        self.length = length
    }

    /// The size of a memory page.
    package static var pageSize: Int { Int(sysconf(Int32(_SC_PAGESIZE))) }

    deinit {
        _ = munmap(base, length)
    }
}
