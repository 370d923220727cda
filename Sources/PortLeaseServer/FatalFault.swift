/// A failure the server cannot recover from in place: which part failed, why, and the
/// status the process exits with, so that systemd (`Restart=on-failure`) restarts it and
/// recovery starts again from what is really on disk.
///
/// The exit statuses follow `sysexits.h`, so an operator can tell the causes apart
/// without reading the log:
///
/// | status | meaning |
/// |---|---|
/// | 0 | stopped by SIGTERM/SIGINT after draining and committing |
/// | 1 | could not start (configuration, lease-log recovery, sockets, io_uring, metrics bind) |
/// | 70 (`EX_SOFTWARE`) | a part failed while running (receive loop, a thread that ended unasked) |
/// | 74 (`EX_IOERR`) | a shard's lease log failed (`fdatasync` error): its page cache cannot be trusted |
public struct FatalFault: Error, Sendable, CustomStringConvertible {
    /// The process exit statuses PortLease uses.
    public enum ExitStatus: Int32, Sendable {
        /// `start()` failed; nothing was left running.
        case startFailed = 1
        /// `EX_SOFTWARE`: a part of the running server failed.
        case partFailed = 70
        /// `EX_IOERR`: a lease log failed (an `fdatasync` error), so the process must restart.
        case leaseLogFailed = 74
    }

    /// The part that failed: "shard-0", "receive loop", "metrics", ...
    public var part: String
    /// What happened, with the file and errno where there is one.
    public var reason: String
    /// How the process should exit.
    public var status: ExitStatus

    public init(part: String, reason: String, status: ExitStatus) {
        self.part = part
        self.reason = reason
        self.status = status
    }

    public var description: String { "\(part) failed: \(reason)" }
}
