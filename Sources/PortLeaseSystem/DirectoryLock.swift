import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive `flock` on a directory, held until ``unlock()`` or until this object goes.
///
/// `portlease serve` holds one on its lease-log directory for as long as it runs, and the
/// tools that write a log offline (`portlease import`) take the same lock first, so neither
/// can write a log the other is writing, and two servers cannot share one log. The lock is
/// on the directory itself (no lock file is left behind), and the kernel drops it when the
/// process ends, however it ends (SIGKILL included), so a crash never leaves a stale lock.
public final class DirectoryLock: Sendable {
    private let directory: OwnedDescriptor

    /// The directory the lock is held on.
    public let path: String

    /// Takes the lock on the directory at `path` without waiting; nil when another open
    /// descriptor (another process) holds it. Throws when the directory cannot be opened.
    public static func acquire(_ path: String) throws(SystemCallError) -> DirectoryLock? {
        let directory = OwnedDescriptor(try Files.openDirectory(path))
        if flock(directory.descriptor.rawValue, LOCK_EX | LOCK_NB) == 0 {
            return DirectoryLock(directory: directory, path: path)
        }
        let code = SystemCall.currentErrno
        if code == EWOULDBLOCK { return nil }
        throw SystemCallError("flock", path: path, code: Errno(rawValue: code))
    }

    /// Gives the lock up (it is also given up when this object goes, or the process ends).
    public func unlock() {
        _ = flock(directory.descriptor.rawValue, LOCK_UN)
    }

    private init(directory: consuming OwnedDescriptor, path: String) {
        self.directory = directory
        self.path = path
    }
}
