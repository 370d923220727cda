import CURing
import PortLeaseSystem
import PortLeaseWire
import SystemPackage

/// The transport's side of the system layer: `PortLeaseSystem`'s socket and io_uring calls with
/// the transport's address type (`SocketAddress6`) and its error (`TransportError`). No system
/// call is made here directly. The rest of the module only touches the rings' shared memory
/// (liburing's inline `get_sqe`, `prep_*`, `peek_batch_cqe`, `cq_advance`, buffer-ring updates).
enum SystemCalls {
    // MARK: Sockets

    /// A non-blocking IPv6 UDP socket (close-on-exec), owned by the caller.
    static func udpSocket() throws(TransportError) -> Int32 {
        try transport { () throws(SystemCallError) in try SocketCalls.udp6() }
    }

    /// `setsockopt` of an `Int32` value; `name` is how the error names the option.
    static func setOption(_ fd: Int32, level: Int32, option: Int32, value: Int32, name: String)
        throws(TransportError)
    {
        try transport { () throws(SystemCallError) in
            try SocketCalls.setOption(fd, level: level, option: option, value: value, operation: "setsockopt \(name)")
        }
    }

    /// `getsockopt` of an `Int32` value.
    static func getOption(_ fd: Int32, level: Int32, option: Int32, name: String) throws(TransportError) -> Int32 {
        try transport { () throws(SystemCallError) in
            try SocketCalls.option(fd, level: level, option: option, operation: "getsockopt \(name)")
        }
    }

    /// Attaches a classic BPF socket filter to `fd`.
    static func attachFilter(_ fd: Int32, _ program: [SocketFilterInstruction]) throws(TransportError) {
        try transport { () throws(SystemCallError) in try SocketCalls.attachFilter(fd, program) }
    }

    /// Detaches `fd`'s socket filter, if any.
    static func detachFilter(_ fd: Int32) throws(TransportError) {
        try transport { () throws(SystemCallError) in try SocketCalls.detachFilter(fd) }
    }

    /// Binds `fd` to `address`.
    static func bind(_ fd: Int32, to address: SocketAddress6) throws(TransportError) {
        try transport { () throws(SystemCallError) in
            try SocketCalls.bind(fd, to: socketAddress(address), operation: "bind \(address)")
        }
    }

    /// The address `fd` is bound to (`getsockname`): the real port after binding port 0.
    static func localAddress(of fd: Int32) throws(TransportError) -> SocketAddress6 {
        socketAddress(try transport { () throws(SystemCallError) in try SocketCalls.localAddress(of: fd) })
    }

    /// One datagram to `address` (`sendto`); nil when the non-blocking socket's send buffer is full.
    static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, to address: SocketAddress6)
        throws(TransportError) -> Int?
    {
        do {
            return try SocketCalls.send(fd, bytes, to: socketAddress(address))
        } catch  where error.code == .wouldBlock || error.code == .resourceTemporarilyUnavailable {
            return nil
        } catch {
            throw .systemCall(error)
        }
    }

    /// One datagram into `buffer` (`recv`); nil when none is waiting.
    static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> Int? {
        try transport { () throws(SystemCallError) in try SocketCalls.receive(fd, into: buffer) }
    }

    /// Decodes a kernel `sockaddr_in6`.
    static func socketAddress(_ storage: sockaddr_in6) -> SocketAddress6 {
        var storage = storage
        var high: UInt64 = 0
        var low: UInt64 = 0
        var port: UInt16 = 0
        var scope: UInt32 = 0
        curing_sockaddr_in6_get(&storage, &high, &low, &port, &scope)
        return SocketAddress6(address: IPv6Address(high: high, low: low), port: port, scopeID: scope)
    }

    /// Encodes a kernel `sockaddr_in6`.
    static func socketAddress(_ address: SocketAddress6) -> sockaddr_in6 {
        var storage = sockaddr_in6()
        curing_sockaddr_in6_set(&storage, address.address.high, address.address.low, address.port, address.scopeID)
        return storage
    }

    /// The index of the interface called `name`; `.unknownInterface` when there is none.
    static func interfaceIndex(_ name: String) throws(TransportError) -> UInt32 {
        do {
            return try NetworkInterface.index(named: name)
        } catch  where error.code == .operationNotSupportedByDevice {
            throw .unknownInterface(name)
        } catch {
            throw .systemCall(error)
        }
    }

    /// Joins the multicast `group` on interface `index` (`IPV6_JOIN_GROUP`).
    static func joinGroup(_ fd: Int32, group: IPv6Address, interfaceIndex index: UInt32, interfaceName: String)
        throws(TransportError)
    {
        var request = ipv6_mreq()
        curing_ipv6_mreq_set(&request, group.high, group.low, index)
        try transport { () throws(SystemCallError) in
            try SocketCalls.setOption(
                fd, level: Int32(IPPROTO_IPV6), option: CURING_IPV6_JOIN_GROUP, value: request,
                operation: "join \(group) on \(interfaceName)")
        }
    }

    /// Closes `fd`, ignoring errors (Linux releases the descriptor even when close fails).
    static func close(_ fd: Int32) {
        FileDescriptor(rawValue: fd).closeIgnoringErrors()
    }

    // MARK: io_uring

    /// Registers a provided-buffer ring of `entries` entries at `address` as buffer group
    /// `group`; `EINVAL` means a kernel too old for provided-buffer rings.
    static func registerBufferRing(
        _ ring: UnsafeMutablePointer<io_uring>, address: UnsafeMutableRawPointer, entries: UInt32, group: UInt16
    ) throws(TransportError) {
        do {
            try RingCalls.registerBufferRing(ring, address: address, entries: entries, group: group)
        } catch  where error.code == .invalidArgument {
            throw .ioUringUnavailable(
                reason: "io_uring_register_buf_ring refused a provided-buffer ring: the kernel is too old "
                    + "(needs Linux 5.19, and 6.0 for multishot recvmsg); run on a newer kernel",
                failure: error)
        } catch {
            throw .systemCall(error)
        }
    }

    /// `io_uring_submit_and_wait`: submits the queued SQEs and waits for `count` completions.
    /// Returns false for a transient failure (EINTR, EAGAIN, EBUSY) the caller retries.
    @inline(__always)
    static func submitAndWait(_ ring: UnsafeMutablePointer<io_uring>, count: UInt32) throws(TransportError) -> Bool {
        try transport { () throws(SystemCallError) in try RingCalls.submitAndWait(ring, count: count) }
    }

    /// Runs a system-layer call, reporting its failure as `.systemCall`.
    @inline(__always)
    static func transport<Result: ~Copyable>(_ call: () throws(SystemCallError) -> Result) throws(TransportError)
        -> Result
    {
        do {
            return try call()
        } catch {
            throw .systemCall(error)
        }
    }
}
