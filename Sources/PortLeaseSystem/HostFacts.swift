#if canImport(Glibc)
    import Glibc
#endif

/// What the start-up probes read about the host: kernel settings under `/proc` and the
/// kernel's release, for error messages that say what to fix.
package enum HostFacts {
    /// The first line of a small text file such as `/proc/sys/kernel/io_uring_disabled`; nil
    /// when it cannot be read (the setting does not exist on this kernel).
    package static func firstLine(of path: String) -> String? {
        guard let bytes = try? Files.readAll(path, maximumSize: 4096), !bytes.isEmpty else { return nil }
        return String(decoding: bytes.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
    }

    /// The kernel release (`uname -r`), e.g. "6.1.0-18-amd64".
    package static func kernelRelease() -> String {
        var names = utsname()
        guard uname(&names) == 0 else { return "unknown" }
        return withUnsafeBytes(of: &names.release) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
