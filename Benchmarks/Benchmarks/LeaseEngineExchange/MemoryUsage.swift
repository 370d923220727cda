#if canImport(Glibc)
    import Glibc
#endif

/// What building something costs in memory, for the memory-per-lease measurement:
/// the growth of the process's virtual size (what was allocated) and resident set
/// (what was touched), from /proc/self/statm before and after, with the thing
/// still alive. Large tables are mmap'd by malloc, so both track them closely.
struct MemoryUsage {
    var virtualBytes: Int
    var residentBytes: Int

    static func measure<T>(_ build: () -> T) -> MemoryUsage {
        let before = statm()
        let built = build()
        let after = statm()
        withExtendedLifetime(built) {}
        return MemoryUsage(
            virtualBytes: after.virtual - before.virtual, residentBytes: after.resident - before.resident)
    }

    /// The first two fields of /proc/self/statm (total and resident pages), in bytes.
    private static func statm() -> (virtual: Int, resident: Int) {
        guard let file = fopen("/proc/self/statm", "r") else { return (0, 0) }
        defer { fclose(file) }
        var line = [UInt8](repeating: 0, count: 128)
        let count = fread(&line, 1, line.count, file)
        let fields = String(decoding: line[0..<count], as: UTF8.self).split(separator: " ")
        guard fields.count >= 2, let total = Int(fields[0]), let resident = Int(fields[1]) else { return (0, 0) }
        let page = sysconf(Int32(_SC_PAGESIZE))
        return (total * page, resident * page)
    }
}
