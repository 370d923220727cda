#if canImport(Glibc)
    import Glibc
#endif

/// Reads a configuration file whole, with the system's own words for what went wrong
/// (`No such file or directory`, `Permission denied`).
enum ConfigurationFile {
    /// Larger files are refused: a configuration is a few kilobytes, and a wrong path
    /// pointing at a disk image should fail quickly.
    static let maximumSize = 16 << 20

    static func read(_ path: String) throws(ConfigurationError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadable(path: path, reason: systemError()) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .unreadable(path: path, reason: systemError()) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .unreadable(path: path, reason: "not a regular file") }
        guard Int(status.st_size) <= maximumSize else {
            throw .unreadable(path: path, reason: "larger than \(maximumSize >> 20) MiB")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(bytes.count)) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw .unreadable(path: path, reason: systemError()) }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
            guard bytes.count <= maximumSize else {
                throw .unreadable(path: path, reason: "larger than \(maximumSize >> 20) MiB")
            }
        }
    }

    private static func systemError() -> String {
        String(cString: strerror(errno))
    }
}
