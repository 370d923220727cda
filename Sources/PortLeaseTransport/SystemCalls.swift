import CURing
import PortLeaseWire

#if canImport(Glibc)
    import Glibc
#endif

/// Every system call of the transport, each turning a failure into a `TransportError` that
/// names the call (and its argument) and carries `errno`. The rest of the module only touches
/// the rings' shared memory (liburing's inline `get_sqe`, `prep_*`, `peek_batch_cqe`,
/// `cq_advance`, buffer-ring updates), which makes no system call; the one call made in C is
/// `curing_enable_rings` (see CURing.h), wrapped here by `enableRing`.
enum SystemCalls {
    // MARK: Sockets

    /// A non-blocking IPv6 UDP socket (close-on-exec).
    static func udpSocket() throws(TransportError) -> Int32 {
        let fd = Glibc.socket(
            AF_INET6,
            Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
                | Int32(SOCK_CLOEXEC.rawValue), Int32(IPPROTO_UDP))
        guard fd >= 0 else { throw .systemCall("socket", errno: errno) }
        return fd
    }

    /// `setsockopt` of an `Int32` value; `name` is how the error names the option.
    static func setOption(_ fd: Int32, level: Int32, option: Int32, value: Int32, name: String)
        throws(TransportError)
    {
        var value = value
        let result = setsockopt(fd, level, option, &value, socklen_t(MemoryLayout<Int32>.size))
        guard result == 0 else { throw .systemCall("setsockopt \(name)", errno: errno) }
    }

    /// `getsockopt` of an `Int32` value.
    static func getOption(_ fd: Int32, level: Int32, option: Int32, name: String) throws(TransportError) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        let result = getsockopt(fd, level, option, &value, &length)
        guard result == 0 else { throw .systemCall("getsockopt \(name)", errno: errno) }
        return value
    }

    /// Binds `fd` to `address`.
    static func bind(_ fd: Int32, to address: SocketAddress6) throws(TransportError) {
        var storage = sockaddr_in6()
        curing_sockaddr_in6_set(&storage, address.address.high, address.address.low, address.port, address.scopeID)
        let result = withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                Glibc.bind(fd, generic, socklen_t(MemoryLayout<sockaddr_in6>.size))
            }
        }
        guard result == 0 else { throw .systemCall("bind \(address)", errno: errno) }
    }

    /// The address `fd` is bound to (`getsockname`): the real port after binding port 0.
    static func localAddress(of fd: Int32) throws(TransportError) -> SocketAddress6 {
        var storage = sockaddr_in6()
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        let result = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                getsockname(fd, generic, &length)
            }
        }
        guard result == 0 else { throw .systemCall("getsockname", errno: errno) }
        return socketAddress(storage)
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

    /// The index of the interface called `name`.
    static func interfaceIndex(_ name: String) throws(TransportError) -> UInt32 {
        let index = if_nametoindex(name)
        guard index != 0 else {
            if errno == ENODEV || errno == ENXIO || errno == 0 { throw .unknownInterface(name) }
            throw .systemCall("if_nametoindex \(name)", errno: errno)
        }
        return index
    }

    /// Joins the multicast `group` on interface `index` (`IPV6_JOIN_GROUP`).
    static func joinGroup(_ fd: Int32, group: IPv6Address, interfaceIndex index: UInt32, interfaceName: String)
        throws(TransportError)
    {
        var request = ipv6_mreq()
        curing_ipv6_mreq_set(&request, group.high, group.low, index)
        let result = setsockopt(
            fd, Int32(IPPROTO_IPV6), CURING_IPV6_JOIN_GROUP, &request, socklen_t(MemoryLayout<ipv6_mreq>.size))
        guard result == 0 else { throw .systemCall("join \(group) on \(interfaceName)", errno: errno) }
    }

    /// Closes `fd`, ignoring errors (Linux releases the descriptor even when close fails).
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    // MARK: Wake-ups

    /// A non-blocking eventfd, used to wake a ring from another thread.
    static func eventFD() throws(TransportError) -> Int32 {
        let fd = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard fd >= 0 else { throw .systemCall("eventfd", errno: errno) }
        return fd
    }

    /// Adds 1 to an eventfd's counter (a full counter, EAGAIN, already means "wake up").
    static func signal(eventFD fd: Int32) {
        var one: UInt64 = 1
        _ = write(fd, &one, MemoryLayout<UInt64>.size)
    }

    // MARK: Memory

    /// `length` bytes of zeroed, page-aligned anonymous memory.
    static func mapMemory(_ length: Int, purpose: String) throws(TransportError) -> UnsafeMutableRawPointer {
        let pointer = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let pointer, pointer != MAP_FAILED else { throw .systemCall("mmap \(purpose)", errno: errno) }
        return pointer
    }

    /// Releases memory from `mapMemory`.
    static func unmapMemory(_ pointer: UnsafeMutableRawPointer, length: Int) {
        _ = munmap(pointer, length)
    }

    // MARK: io_uring

    /// `io_uring_queue_init_params`; returns the negated errno (0 on success) so the caller can
    /// retry with fewer setup flags on `EINVAL`.
    static func ioUringSetup(
        entries: UInt32, ring: UnsafeMutablePointer<io_uring>, params: inout io_uring_params
    ) -> Int32 {
        io_uring_queue_init_params(entries, ring, &params)
    }

    /// `io_uring_queue_exit`.
    static func ioUringTeardown(_ ring: UnsafeMutablePointer<io_uring>) {
        io_uring_queue_exit(ring)
    }

    /// Registers a provided-buffer ring of `entries` entries at `address` as buffer group `group`.
    static func registerBufferRing(
        _ ring: UnsafeMutablePointer<io_uring>, address: UnsafeMutableRawPointer, entries: UInt32, group: UInt16
    ) throws(TransportError) {
        var registration = io_uring_buf_reg()
        registration.ring_addr = UInt64(UInt(bitPattern: address))
        registration.ring_entries = entries
        registration.bgid = group
        let result = io_uring_register_buf_ring(ring, &registration, 0)
        guard result == 0 else {
            if result == -EINVAL {
                throw .ioUringUnavailable(
                    reason: "io_uring_register_buf_ring refused a provided-buffer ring: the kernel is too old "
                        + "(needs Linux 5.19, and 6.0 for multishot recvmsg); run on a newer kernel",
                    errno: EINVAL)
            }
            throw .systemCall("io_uring_register_buf_ring", errno: -result)
        }
    }

    /// Enables a ring created with `IORING_SETUP_R_DISABLED`; the calling thread becomes its
    /// single issuer.
    static func enableRing(_ ring: UnsafeMutablePointer<io_uring>) throws(TransportError) {
        let result = curing_enable_rings(ring)
        guard result == 0 else { throw .systemCall("io_uring_enable_rings", errno: -result) }
    }

    /// `io_uring_submit_and_wait`: submits the queued SQEs and waits for `count` completions.
    /// Returns false for a transient failure (EINTR, EAGAIN, EBUSY) the caller retries.
    static func submitAndWait(_ ring: UnsafeMutablePointer<io_uring>, count: UInt32) throws(TransportError) -> Bool {
        let result = io_uring_submit_and_wait(ring, count)
        if result >= 0 { return true }
        switch -result {
        case EINTR, EAGAIN, EBUSY: return false
        default: throw .systemCall("io_uring_submit_and_wait", errno: -result)
        }
    }

    // MARK: Host facts

    /// The first line of a small text file such as `/proc/sys/kernel/io_uring_disabled`; nil
    /// when it cannot be read (the file does not exist on kernels without the setting).
    static func readFirstLine(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { _ = Glibc.close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[..<count], as: UTF8.self)
        return String(text.prefix { $0 != "\n" })
    }

    /// The kernel release (`uname -r`), e.g. "6.1.0-18-amd64".
    static func kernelRelease() -> String {
        var names = utsname()
        guard uname(&names) == 0 else { return "unknown" }
        return withUnsafeBytes(of: &names.release) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
