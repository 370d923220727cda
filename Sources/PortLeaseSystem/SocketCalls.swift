#if canImport(Glibc)
    import Glibc
#endif

/// The socket calls: the transport's UDP sockets, the CLI client's socket and the metrics
/// listener. Descriptors returned here belong to the caller (the transport's `UDPSocket`
/// closes its own; see there). Addresses are the kernel's `sockaddr_in6`, so this module
/// needs no address types of its own; callers convert (CURing has the byte-order helpers).
package enum SocketCalls {
    /// An IPv6 UDP socket (close-on-exec; non-blocking unless `blocking`).
    package static func udp6(blocking: Bool = false) throws(SystemCallError) -> Int32 {
        var type = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        if !blocking { type |= Int32(SOCK_NONBLOCK.rawValue) }
        return try SystemCall.retrying("socket") { Glibc.socket(AF_INET6, type, Int32(IPPROTO_UDP)) }
    }

    /// `setsockopt` of a plain value (`Int32`, `UInt32`, `timeval`, `ipv6_mreq`, ...);
    /// `operation` names it in the error ("setsockopt IPV6_V6ONLY", "join ff02::1:2 on eth0").
    package static func setOption<Value>(
        _ descriptor: Int32, level: Int32, option: Int32, value: Value, operation: @autoclosure () -> String
    ) throws(SystemCallError) {
        _ = try SystemCall.retrying(operation()) {
            withUnsafeBytes(of: value) { setsockopt(descriptor, level, option, $0.baseAddress, socklen_t($0.count)) }
        }
    }

    /// `getsockopt` of an `Int32` value.
    package static func option(_ descriptor: Int32, level: Int32, option: Int32, operation: @autoclosure () -> String)
        throws(SystemCallError) -> Int32
    {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = try SystemCall.retrying(operation()) { getsockopt(descriptor, level, option, &value, &length) }
        return value
    }

    /// Binds `descriptor` to `address`; `operation` names it ("bind [::]:547").
    package static func bind(_ descriptor: Int32, to address: sockaddr_in6, operation: @autoclosure () -> String)
        throws(SystemCallError)
    {
        var address = address
        _ = try SystemCall.retrying(operation()) {
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }

    /// The address `descriptor` is bound to (`getsockname`): the real port after binding port 0.
    package static func localAddress(of descriptor: Int32) throws(SystemCallError) -> sockaddr_in6 {
        var storage = sockaddr_in6()
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        _ = try SystemCall.retrying("getsockname") {
            withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
            }
        }
        return storage
    }

    /// Sends one datagram to `address` (`sendto`); returns the bytes sent.
    package static func send(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, to address: sockaddr_in6)
        throws(SystemCallError) -> Int
    {
        var address = address
        return try SystemCall.retrying("sendto") {
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(
                        descriptor, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }

    /// Receives one datagram into `buffer` (`recv`); nil when the socket's receive timeout
    /// (`SO_RCVTIMEO`) passed or a non-blocking socket has nothing (`EAGAIN`).
    package static func receive(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer)
        throws(SystemCallError) -> Int?
    {
        do {
            return try SystemCall.retrying("recv") { recv(descriptor, buffer.baseAddress, buffer.count, 0) }
        } catch  where error.code == .wouldBlock || error.code == .resourceTemporarilyUnavailable {
            return nil
        }
    }

    /// Closes a socket, ignoring errors (Linux releases the descriptor even when `close` fails).
    package static func close(_ descriptor: Int32) {
        _ = Glibc.close(descriptor)
    }

    /// True when `descriptor` becomes readable within `timeoutMilliseconds` (`poll`).
    package static func waitReadable(_ descriptor: Int32, timeoutMilliseconds: Int32) -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, timeoutMilliseconds) > 0
    }
}
