import PortLeaseSystem

/// The lock a process takes on a lease-log directory before writing it: `portlease serve`
/// for as long as it runs, `portlease import` while it writes. A second server, or an
/// import into a log a server is running on, is refused with the directory named.
enum LeaseLogLock {
    /// Why the lock could not be taken.
    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    /// Creates `directory` (and its parents) when missing, then takes its lock.
    static func take(_ directory: String) throws(Refusal) -> DirectoryLock {
        let acquired: DirectoryLock?
        do throws(SystemCallError) {
            try Files.createDirectory(directory, intermediates: true)
            acquired = try DirectoryLock.acquire(directory)
        } catch {
            throw Refusal(description: "cannot lock the lease log: \(error)")
        }
        guard let acquired else {
            throw Refusal(
                description: "the lease log \(directory) is in use by another process "
                    + "(a running portlease serve, or an import): stop it first")
        }
        return acquired
    }
}
