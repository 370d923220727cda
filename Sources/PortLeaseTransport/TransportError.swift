import PortLeaseSystem
import SystemPackage

/// Why the transport failed, so an operator reading the start-up line knows what to fix. A
/// failed system call is the system layer's `SystemCallError` (operation and `Errno`); the
/// other two cases add what the call alone does not say.
public enum TransportError: Error, Hashable, Sendable, CustomStringConvertible {
    /// io_uring cannot be used on this machine: `ENOSYS` (no io_uring in the kernel, or a seccomp
    /// filter answering ENOSYS), `EPERM` (seccomp, or `kernel.io_uring_disabled`), `EINVAL` (a kernel
    /// too old for provided-buffer rings). `reason` says which and how to fix it; `failure` is the
    /// call that showed it.
    case ioUringUnavailable(reason: String, failure: SystemCallError)
    /// A system call failed: "socket", "bind [::]:547", "setsockopt IPV6_RECVPKTINFO",
    /// "join ff02::1:2 on eth0", "io_uring_submit_and_wait", ...
    case systemCall(SystemCallError)
    /// A configured interface name does not exist (`if_nametoindex` found nothing).
    case unknownInterface(String)

    /// A failed call on no path: `.systemCall(SystemCallError(operation, code: Errno(rawValue: errno)))`.
    public static func systemCall(_ operation: String, errno: Int32) -> TransportError {
        .systemCall(SystemCallError(operation, code: Errno(rawValue: errno)))
    }

    public var description: String {
        switch self {
        case .ioUringUnavailable(let reason, let failure):
            return "io_uring unavailable: \(reason) (\(failure.code), errno \(failure.errno))"
        case .systemCall(let failure):
            return failure.description
        case .unknownInterface(let name):
            return "unknown interface \"\(name)\": no such network interface on this host"
        }
    }
}
