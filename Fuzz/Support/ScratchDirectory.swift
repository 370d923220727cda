import Glibc
import LeaseLog

/// A directory of this process's own under `/dev/shm` (or `/tmp` without it), made once
/// and reused for every input, and removed with its files when the process exits normally.
/// A crashed run leaves it behind, with the files of the input that crashed.
public enum ScratchDirectory {
    nonisolated(unsafe) private static var made: [String] = []

    /// `<base>/portlease-fuzz-<pid>-<name>`, created if needed.
    public static func make(_ name: String) -> String {
        let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        let path = "\(base)/portlease-fuzz-\(getpid())-\(name)"
        do throws(LeaseLogError) {
            try SystemFileSystem().createDirectory(path)
        } catch {
            fatalError("cannot create the scratch directory \(path): \(error)")
        }
        if made.isEmpty { atexit { ScratchDirectory.removeAll() } }
        made.append(path)
        return path
    }

    /// Empties `path` and its subdirectories (one level deep, as the lease log makes them).
    public static func empty(_ path: String) {
        let fileSystem = SystemFileSystem()
        for name in (try? fileSystem.list(path)) ?? [] {
            let child = path + "/" + name
            if unlink(child) != 0 {
                empty(child)
                rmdir(child)
            }
        }
    }

    private static func removeAll() {
        for path in made {
            empty(path)
            rmdir(path)
        }
    }
}
