import PortLeaseSystem

/// Why the server could not start or had to stop.
public enum ServerError: Error, CustomStringConvertible, Sendable {
    /// A system call failed (the system layer's one error type: the call, the file or address, errno).
    case systemCall(SystemCallError)
    /// The configuration cannot be served as it is.
    case configuration(String)
    /// The lease log could not be opened or recovered.
    case leaseLog(String)
    /// The transport (sockets, io_uring) could not be set up.
    case transport(String)

    public var description: String {
        switch self {
        case .systemCall(let failure): "\(failure)"
        case .configuration(let reason): "configuration: \(reason)"
        case .leaseLog(let reason): "lease log: \(reason)"
        case .transport(let reason): "transport: \(reason)"
        }
    }
}
