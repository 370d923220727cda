import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

extension SocketCalls {
    /// The longest UNIX socket path accepted: `sun_path` holds 108 bytes with its terminator,
    /// and SwiftNIO, which binds the control API's socket, refuses paths over 103.
    public static let longestLocalPath = 103

    /// Connects a stream socket (close-on-exec) to the UNIX socket at `path`; the descriptor is
    /// the caller's. Fails with `ENOENT` when nothing is there and `ECONNREFUSED` when a socket
    /// file is left but nobody listens on it. With `answerWithinSeconds`, a read that waits
    /// longer fails with `EAGAIN` (`SO_RCVTIMEO`): a hung or stopped server must not hang its
    /// client too.
    public static func connectLocal(_ path: String, answerWithinSeconds: Int? = nil) throws(SystemCallError)
        -> FileDescriptor
    {
        let bytes = Array(path.utf8)
        guard bytes.count <= longestLocalPath else {
            throw SystemCallError("connect", path: path, code: .fileNameTooLong)
        }
        let descriptor = try SystemCall.retrying("socket (local)", path: path) {
            socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        do {
            _ = try SystemCall.retrying("connect", path: path) {
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                    }
                }
            }
            if let answerWithinSeconds {
                try setOption(
                    descriptor, level: SOL_SOCKET, option: SO_RCVTIMEO,
                    value: timeval(tv_sec: answerWithinSeconds, tv_usec: 0), operation: "setsockopt SO_RCVTIMEO")
            }
        } catch {
            close(descriptor)
            throw error
        }
        return FileDescriptor(rawValue: descriptor)
    }
}
