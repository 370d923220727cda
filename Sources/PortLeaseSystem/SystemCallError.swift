import SystemPackage

/// A failed system call: which operation, on which file (when there is one), and the `Errno`.
///
/// The one error type for a failed system call in PortLease. The lease log carries it (as
/// `SystemCallFailure`), the transport wraps it in `TransportError.systemCall`, and the
/// configuration reader and the CLI report it, so an operator reading any log line sees the
/// same shape: "fdatasync /var/lib/portlease/shard0/0000000000000003.seg: Input/output error
/// (errno 5)", or "bind [::]:547: Address already in use (errno 98)" for a call without a path.
public struct SystemCallError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The call that failed, with what it needs to be recognised: "open", "fdatasync",
    /// "rename to /x/y", "bind [::]:547", "io_uring_submit_and_wait", ...
    public var operation: String
    /// The file or directory the call was applied to; nil for calls on no path (sockets, rings).
    public var path: String?
    /// What the kernel answered (`.noSpace` for a full disk, `.ioError` for a device error, ...).
    public var code: Errno

    /// The failure of `operation` on `path` with `code`.
    public init(_ operation: String, path: String? = nil, code: Errno) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    /// The failure of `operation` on `path` with a raw `errno` value (a Glibc constant, or the
    /// negated result of an io_uring call): the shape the lease log's `SystemCallFailure` had,
    /// so its callers and fault injectors compile unchanged.
    public init(operation: String, path: String? = nil, errno: Int32) {
        self.init(operation, path: path, code: Errno(rawValue: errno))
    }

    /// The raw `errno` value, for comparing with Glibc's constants (`failure.errno == ENOSPC`).
    public var errno: Int32 { code.rawValue }

    /// The error of the calling thread's `errno` right now, for the wrappers of C calls that
    /// return -1: read it immediately after the call, before anything else can change it.
    package static func lastError(_ operation: String, path: String? = nil) -> SystemCallError {
        SystemCallError(operation, path: path, code: Errno(rawValue: SystemCall.currentErrno))
    }

    /// The error of a call that returns the negated errno (io_uring, liburing): `result < 0`.
    package static func negated(_ operation: String, result: Int32) -> SystemCallError {
        SystemCallError(operation, code: Errno(rawValue: -result))
    }

    /// "operation path: message (errno n)", or "operation: message (errno n)" without a path.
    public var description: String {
        let subject = path.map { "\(operation) \($0)" } ?? operation
        return "\(subject): \(code.description) (errno \(code.rawValue))"
    }
}
