import Foundation

/// A child process started with no signals blocked and every signal at its default action.
///
/// Foundation's `Process` starts a child from the calling thread, and a test runs on a
/// Dispatch worker thread, which blocks almost every signal: the child inherits that mask.
/// `portlease serve` waits for its signals and does not mind, but kea-dhcp4 relies on
/// handlers and then never sees SIGTERM, and rsyslogd then receives nothing at all (seen when
/// the whole suite ran in parallel). This spawns with an empty mask
/// (`POSIX_SPAWN_SETSIGMASK`, `POSIX_SPAWN_SETSIGDEF`), standard output and error to a file,
/// and no other descriptor of the test process.
public final class UnmaskedProcess {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public let pid: pid_t
    private var status: Int32?

    /// Starts `arguments[0]` (a path) with `arguments`, `environment` added to this process's,
    /// its output and errors appended to `outputPath`.
    public init(_ arguments: [String], environment: [String: String] = [:], outputPath: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of the test process: a pipe another test reads to its end must not stay
        // open in a daemon that outlives that test. (glibc ignores a close of a descriptor that
        // was closed meanwhile; `addclosefrom_np` is not visible to Swift here.)
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in open.compactMap(Int32.init) where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, arguments[0], &actions, &attributes, argv, envp)
        guard result == 0 else { throw Failure(description: "posix_spawn \(arguments[0]): errno \(result)") }
        pid = child
    }

    deinit {
        if status == nil {
            kill(pid, SIGKILL)
            _ = wait(seconds: 5)
        }
    }

    /// Sends `signal`, unless the process has been reaped.
    public func signal(_ signal: Int32) {
        if status == nil { kill(pid, signal) }
    }

    /// Whether it is still running (reaps it when it has ended).
    public var isRunning: Bool { wait(seconds: 0) == nil }

    /// The raw wait status once the process has ended, nil if it is still running after `seconds`.
    public func wait(seconds: Double) -> Int32? {
        if let status { return status }
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid {
                status = raw
                return raw
            }
            if Date() >= deadline { break }
            Thread.sleep(forTimeInterval: 0.02)
        } while true
        return nil
    }
}
