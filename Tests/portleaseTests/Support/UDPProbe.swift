import Foundation

/// A blocking UDP socket for the tests' own DHCP clients: a 4o6 client talking to
/// `portlease serve`, or (through IPv4-mapped addresses, `::ffff:198.18.47.2`, on this
/// dual-stack socket) a relay agent talking to a real Kea over IPv4. Closed in `deinit`.
final class UDPProbe {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let descriptor: Int32

    /// A socket bound to `address` (IPv6, or IPv4-mapped) and `port` (0: any).
    init(address: String, port: UInt16 = 0, timeoutMilliseconds: Int = 2000) throws {
        descriptor = socket(AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: timeoutMilliseconds % 1000 * 1000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let bound = try Self.withAddress(address, port) { bind(descriptor, $0, $1) }
        guard bound == 0 else {
            close(descriptor)
            throw Failure(description: "bind \(address):\(port): errno \(errno)")
        }
    }

    deinit { close(descriptor) }

    /// Sends `bytes` to `address`:`port`, then returns the first datagram back, nil after the timeout.
    func exchange(_ bytes: [UInt8], to address: String, port: UInt16) throws -> [UInt8]? {
        let sent = try Self.withAddress(address, port) { target, length in
            bytes.withUnsafeBytes { sendto(descriptor, $0.baseAddress, $0.count, 0, target, length) }
        }
        guard sent == bytes.count else { throw Failure(description: "sendto \(address):\(port): errno \(errno)") }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        return count > 0 ? Array(buffer[0..<count]) : nil
    }

    /// The next datagram that arrives, nil after the timeout.
    func receive() -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        return count > 0 ? Array(buffer[0..<count]) : nil
    }

    /// Calls `body` with `address`:`port` as a `sockaddr`.
    private static func withAddress<Result>(
        _ address: String, _ port: UInt16, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Result
    ) throws -> Result {
        var socketAddress = sockaddr_in6()
        socketAddress.sin6_family = sa_family_t(AF_INET6)
        socketAddress.sin6_port = port.bigEndian
        guard inet_pton(AF_INET6, address, &socketAddress.sin6_addr) == 1 else {
            throw Failure(description: "not an IPv6 address: \(address)")
        }
        return withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
            }
        }
    }
}
