import CURing
import PortLeaseWire
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One bound IPv6 UDP socket, set up for a DHCPv6 server.
///
/// No `SO_REUSEADDR`: UDP has no TIME_WAIT, so a restarted server binds at once
/// without it, and with it Linux lets a second process (or a port-0 bind) share
/// the port and silently steal its unicast datagrams. A second server on the same
/// address and port fails with EADDRINUSE instead.
///
/// Options: `IPV6_V6ONLY` (no IPv4-mapped traffic), `IPV6_RECVPKTINFO` (each datagram says
/// which address and interface it came to, so the reply leaves from there), `SO_TIMESTAMPNS`
/// (the kernel's receive time, so time spent waiting in the socket buffer counts against a
/// query's queue-delay budget), non-blocking (io_uring never parks a thread on it). With
/// `multicastInterfaces`, joins `ff02::1:2` (All_DHCP_Relay_Agents_and_Servers) on each.
///
/// The descriptor is owned by this object: `close()` (idempotent) or deinit releases it.
/// A `ReceiveLoop` or `SendRing` using the socket must not outlive it.
public final class UDPSocket: Sendable {
    /// The socket's descriptor (-1 is never stored; after `close()` it is a stale number).
    public let fileDescriptor: Int32
    /// The bound address, with the real port when port 0 was asked for (`getsockname`).
    public let localAddress: SocketAddress6
    private let closed = Atomic<Bool>(false)

    /// Opens, configures and binds the socket, then joins `ff02::1:2` on each interface named.
    /// Throws `.systemCall` naming the failed step ("bind [::]:547", ...) or `.unknownInterface`.
    public init(bind address: IPv6Address, port: UInt16, multicastInterfaces: [String] = []) throws(TransportError) {
        let fd = try SystemCalls.udpSocket()
        do {
            let ipv6 = Int32(IPPROTO_IPV6)
            try SystemCalls.setOption(fd, level: ipv6, option: CURING_IPV6_V6ONLY, value: 1, name: "IPV6_V6ONLY")
            try SystemCalls.setOption(
                fd, level: ipv6, option: CURING_IPV6_RECVPKTINFO, value: 1, name: "IPV6_RECVPKTINFO")
            try SystemCalls.setOption(
                fd, level: SOL_SOCKET, option: CURING_SO_TIMESTAMPNS, value: 1, name: "SO_TIMESTAMPNS")
            try SystemCalls.bind(fd, to: SocketAddress6(address: address, port: port))
            for name in multicastInterfaces {
                let index = try SystemCalls.interfaceIndex(name)
                try SystemCalls.joinGroup(
                    fd, group: .allDHCPRelayAgentsAndServers, interfaceIndex: index, interfaceName: name)
            }
            localAddress = try SystemCalls.localAddress(of: fd)
        } catch {
            SystemCalls.close(fd)
            throw error
        }
        fileDescriptor = fd
    }

    /// Drops DHCPv4 DISCOVERs in the kernel (``DiscoverFilter``) from now on, or (false) stops
    /// doing so. For the receive thread while its workers shed DISCOVERs anyway.
    public func shedDiscoversInKernel(_ shedding: Bool) throws(TransportError) {
        if shedding {
            try SystemCalls.attachFilter(fileDescriptor, DiscoverFilter.program)
        } else {
            try SystemCalls.detachFilter(fileDescriptor)
        }
    }

    /// Sets the kernel's receive buffer to `bytes` (`SO_RCVBUFFORCE` when the process may exceed
    /// `net.core.rmem_max`, `SO_RCVBUF` otherwise, which the kernel caps at that limit). A server
    /// under load wants several megabytes: datagrams that arrive while every provided buffer is
    /// in use wait here, and the kernel drops them when it is full. Returns the size the kernel
    /// granted (`SO_RCVBUF` as read back, which counts its own overhead, about twice `bytes`).
    @discardableResult
    public func setReceiveBufferSize(_ bytes: Int) throws(TransportError) -> Int {
        let value = Int32(clamping: bytes)
        do {
            try SystemCalls.setOption(
                fileDescriptor, level: SOL_SOCKET, option: SO_RCVBUFFORCE, value: value, name: "SO_RCVBUFFORCE")
        } catch {
            try SystemCalls.setOption(
                fileDescriptor, level: SOL_SOCKET, option: SO_RCVBUF, value: value, name: "SO_RCVBUF")
        }
        return Int(try SystemCalls.getOption(fileDescriptor, level: SOL_SOCKET, option: SO_RCVBUF, name: "SO_RCVBUF"))
    }

    /// Sends one datagram without io_uring (`sendto`), for tools that pace their own
    /// sending; nil when the socket's send buffer is full.
    package func send(_ bytes: UnsafeRawBufferPointer, to destination: SocketAddress6) throws(TransportError) -> Int? {
        try SystemCalls.send(fileDescriptor, bytes, to: destination)
    }

    /// Receives one waiting datagram without io_uring (`recv`); nil when none is waiting.
    package func receive(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> Int? {
        try SystemCalls.receive(fileDescriptor, into: buffer)
    }

    /// Closes the descriptor; later calls do nothing.
    public func close() {
        if !closed.exchange(true, ordering: .acquiringAndReleasing) {
            SystemCalls.close(fileDescriptor)
        }
    }

    deinit {
        close()
    }
}
