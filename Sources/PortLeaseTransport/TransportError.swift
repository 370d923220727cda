#if canImport(Glibc)
    import Glibc
#endif

/// Why the transport failed: each case names the call or cause and carries the `errno`, so an
/// operator reading the start-up line knows what to fix.
public enum TransportError: Error, Hashable, Sendable, CustomStringConvertible {
    /// io_uring cannot be used on this machine: `ENOSYS` (no io_uring in the kernel, or a seccomp
    /// filter answering ENOSYS), `EPERM` (seccomp, or `kernel.io_uring_disabled`), `EINVAL` (a kernel
    /// too old for provided-buffer rings). `reason` says which and how to fix it.
    case ioUringUnavailable(reason: String, errno: Int32)
    /// A system call failed: "socket", "bind [::]:547", "setsockopt IPV6_RECVPKTINFO",
    /// "join ff02::1:2 on eth0", "io_uring_submit_and_wait", ...
    case systemCall(String, errno: Int32)
    /// A configured interface name does not exist (`if_nametoindex` found nothing).
    case unknownInterface(String)

    /// The readable text for `errno` (`strerror`).
    static func message(for errno: Int32) -> String {
        strerror(errno).map { String(cString: $0) } ?? "unknown error"
    }

    public var description: String {
        switch self {
        case .ioUringUnavailable(let reason, let errno):
            return "io_uring unavailable: \(reason) (\(TransportError.message(for: errno)), errno \(errno))"
        case .systemCall(let call, let errno):
            return "\(call): \(TransportError.message(for: errno)) (errno \(errno))"
        case .unknownInterface(let name):
            return "unknown interface \"\(name)\": no such network interface on this host"
        }
    }
}
