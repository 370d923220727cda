import PortLeaseSystem

#if canImport(Glibc)
    import Glibc
#endif

/// A fresh directory under /tmp for one test, removed (with the files in it) by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/portlease-system-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed: errno \(errno)")
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// Removes the files in the directory and its subdirectories, then the directory.
    func remove() {
        Self.remove(path)
    }

    private static func remove(_ path: String) {
        for name in (try? Files.list(path)) ?? [] {
            let child = path + "/" + name
            if unlink(child) != 0 { remove(child) }
        }
        rmdir(path)
    }
}
