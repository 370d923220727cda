#if canImport(Glibc)
    import Glibc
#endif

extension SocketCalls {
    /// A listening TCP socket (close-on-exec, `SO_REUSEADDR`, backlog 16) on `host`, an IPv4 or
    /// IPv6 literal, and `port` (0: any free port). Returns the descriptor, owned by the caller,
    /// and the bound port; nil when `host` is not an address literal. `purpose` names the
    /// listener in errors ("bind metrics 127.0.0.1:9547").
    package static func listenTCP(host: String, port: UInt16, purpose: String) throws(SystemCallError)
        -> (descriptor: Int32, port: UInt16)?
    {
        var v4 = in_addr()
        var v6 = in6_addr()
        let isV4 = inet_pton(AF_INET, host, &v4) == 1
        guard isV4 || inet_pton(AF_INET6, host, &v6) == 1 else { return nil }
        let descriptor = try SystemCall.retrying("socket (\(purpose))") {
            socket(isV4 ? AF_INET : AF_INET6, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        do {
            try setOption(
                descriptor, level: SOL_SOCKET, option: SO_REUSEADDR, value: Int32(1),
                operation: "setsockopt SO_REUSEADDR")
            let name = "\(purpose) \(host):\(port)"
            if isV4 {
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = port.bigEndian
                address.sin_addr = v4
                _ = try SystemCall.retrying("bind \(name)") {
                    withUnsafePointer(to: &address) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            Glibc.bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                        }
                    }
                }
            } else {
                var address = sockaddr_in6()
                address.sin6_family = sa_family_t(AF_INET6)
                address.sin6_port = port.bigEndian
                address.sin6_addr = v6
                try bind(descriptor, to: address, operation: "bind \(name)")
            }
            _ = try SystemCall.retrying("listen \(name)") { listen(descriptor, 16) }
            // sin_port and sin6_port sit at the same offset, so this reads either family's port.
            let bound = try localAddress(of: descriptor)
            return (descriptor, UInt16(bigEndian: bound.sin6_port))
        } catch {
            _ = Glibc.close(descriptor)
            throw error
        }
    }

    /// Accepts one connection on a listening socket (close-on-exec), with a receive timeout of
    /// `timeoutSeconds` so that a client that sends nothing cannot hold the listener's thread.
    /// The connection belongs to the caller (`close`).
    package static func accept(_ listener: Int32, timeoutSeconds: Int) throws(SystemCallError) -> Int32 {
        let connection = try SystemCall.retrying("accept") { Glibc.accept(listener, nil, nil) }
        do {
            _ = try SystemCall.retrying("fcntl FD_CLOEXEC") { fcntl(connection, F_SETFD, FD_CLOEXEC) }
            try setOption(
                connection, level: SOL_SOCKET, option: SO_RCVTIMEO, value: timeval(tv_sec: timeoutSeconds, tv_usec: 0),
                operation: "setsockopt SO_RCVTIMEO")
        } catch {
            close(connection)
            throw error
        }
        return connection
    }

    /// Sends all of `bytes` on a connected stream socket (no SIGPIPE when the peer has gone).
    package static func sendAll(_ connection: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemCallError) {
        var sent = 0
        while sent < bytes.count {
            sent += try SystemCall.retrying("send") {
                Glibc.send(connection, bytes.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
            }
        }
    }
}
