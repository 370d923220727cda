import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// The path calls swift-system does not have: rename, unlink, mkdir, readdir, and `fsync` of
/// a directory (what makes a rename or a new file in it survive a power loss).
extension Files {
    /// Atomically renames `source` to `destination`, replacing it.
    public static func rename(_ source: String, to destination: String) throws(SystemCallError) {
        _ = try SystemCall.retrying("rename to \(destination)", path: source) { Glibc.rename(source, destination) }
    }

    /// Deletes a file.
    public static func remove(_ path: String) throws(SystemCallError) {
        _ = try SystemCall.retrying("unlink", path: path) { unlink(path) }
    }

    /// `fsync` of the directory at `path`, so that renames and new files in it are durable.
    public static func syncDirectory(_ path: String) throws(SystemCallError) {
        let directory = OwnedDescriptor(try openDirectory(path))
        try syncDirectory(directory.descriptor, path: path)
    }

    /// Opens the directory at `path` for `syncDirectory(_:path:)`; the caller owns the descriptor.
    public static func openDirectory(_ path: String) throws(SystemCallError) -> FileDescriptor {
        try SystemCall.naming("open directory", path: path) {
            try FileDescriptor.open(FilePath(path), .readOnly, options: [.directory, .closeOnExec])
        }
    }

    /// `fsync` of an open directory. Like `syncData`, a failure is not retryable.
    public static func syncDirectory(_ directory: FileDescriptor, path: String) throws(SystemCallError) {
        _ = try SystemCall.retrying("fsync directory", path: path) { fsync(directory.rawValue) }
    }

    /// Creates a directory (mode 0755); succeeds if it already exists. With `intermediates`,
    /// creates the missing directories above it first (`mkdir -p`).
    public static func createDirectory(_ path: String, intermediates: Bool = false) throws(SystemCallError) {
        if intermediates {
            var prefix = path.hasPrefix("/") ? "/" : ""
            for component in path.split(separator: "/").dropLast() {
                prefix += component
                try createDirectory(prefix)
                prefix += "/"
            }
        }
        if mkdir(path, 0o755) != 0 {
            let code = SystemCall.currentErrno
            if code != EEXIST { throw SystemCallError("mkdir", path: path, code: Errno(rawValue: code)) }
        }
    }

    /// The names in a directory, without "." and ".."; a missing directory lists as empty.
    public static func list(_ path: String) throws(SystemCallError) -> [String] {
        guard let directory = opendir(path) else {
            let code = SystemCall.currentErrno
            if code == ENOENT { return [] }
            throw SystemCallError("opendir", path: path, code: Errno(rawValue: code))
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

extension Files {
    /// Sets a file's permission bits (`chmod`): the control API's socket and its directory,
    /// whose modes are its access control.
    public static func setPermissions(_ path: String, _ mode: mode_t) throws(SystemCallError) {
        _ = try SystemCall.retrying("chmod", path: path) { chmod(path, mode) }
    }
}
