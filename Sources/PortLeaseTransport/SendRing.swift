import CURing
import PortLeaseWire

#if canImport(Glibc)
    import Glibc
#endif

/// Batched datagram sends through a small io_uring owned by one thread.
///
/// A shard worker (or the receive thread) enqueues its replies while it works through a
/// batch, then `flush()` hands them all to the kernel as `sendmsg` requests in one
/// `io_uring_submit_and_wait` and reaps the completions: one system call for the batch instead
/// of one per reply.
///
/// Memory: `capacity` slots of `slotSize` bytes, and per slot a `msghdr`, an `iovec`, a
/// `sockaddr_in6` and an `IPV6_PKTINFO` control buffer, all allocated once at stable addresses
/// (the kernel reads them after `submit` returns) and freed in deinit. `enqueue` copies the
/// bytes, so the caller's buffer is free as soon as it returns; `enqueue(borrowing:...)` sends
/// from the caller's memory, which must then stay unchanged until `flush` returns (`flush`
/// waits for every completion). Nothing allocates per datagram.
///
/// Threads: one owner at a time. The ring is created disabled and bound to the thread that
/// first flushes (`SINGLE_ISSUER`), so create it anywhere and hand it to its worker before use.
/// The sockets named in `enqueue` must stay open until the next `flush` returns.
/// After `flush` throws, the ring is unusable: discard it.
public final class SendRing: @unchecked Sendable {
    /// How many datagrams fit between two flushes.
    public let capacity: Int
    /// The largest datagram one slot holds.
    public let slotSize: Int
    /// How many datagrams are waiting for `flush`.
    public private(set) var pending = 0
    /// The `errno` of the most recent failed send (0 when none has failed).
    public private(set) var lastFailureErrno: Int32 = 0

    private let ring: IORing
    private let slots: UnsafeMutableRawPointer
    private let messages: UnsafeMutablePointer<msghdr>
    private let vectors: UnsafeMutablePointer<iovec>
    private let addresses: UnsafeMutablePointer<sockaddr_in6>
    private let controls: UnsafeMutableRawPointer
    private let controlSpace: Int
    private let descriptors: UnsafeMutablePointer<Int32>
    private var failureCount = 0

    /// Allocates `capacity` slots of `slotSize` bytes and a ring with room for all of them.
    public init(capacity: Int = 256, slotSize: Int = 2048) throws(TransportError) {
        precondition(capacity > 0 && capacity <= 32768, "capacity must be 1...32768")
        precondition(slotSize > 0, "slotSize must be positive")
        self.capacity = capacity
        self.slotSize = slotSize
        var entries: UInt32 = 1
        while entries < UInt32(capacity) { entries <<= 1 }
        ring = try IORing(entries: entries, completionEntries: entries * 2)
        controlSpace = curing_pktinfo_control_space()
        slots = .allocate(byteCount: capacity * slotSize, alignment: 64)
        messages = .allocate(capacity: capacity)
        vectors = .allocate(capacity: capacity)
        addresses = .allocate(capacity: capacity)
        controls = .allocate(byteCount: capacity * controlSpace, alignment: 16)
        controls.initializeMemory(as: UInt8.self, repeating: 0, count: capacity * controlSpace)
        descriptors = .allocate(capacity: capacity)
        descriptors.initialize(repeating: -1, count: capacity)
        addresses.initialize(repeating: sockaddr_in6(), count: capacity)
        for index in 0..<capacity {
            (vectors + index).initialize(to: iovec(iov_base: slots + index * slotSize, iov_len: 0))
            var message = msghdr()
            message.msg_name = UnsafeMutableRawPointer(addresses + index)
            message.msg_namelen = socklen_t(MemoryLayout<sockaddr_in6>.size)
            message.msg_iov = vectors + index
            message.msg_iovlen = 1
            (messages + index).initialize(to: message)
        }
    }

    /// Sends that failed so far (a completion with a negative result).
    public var failures: Int { failureCount }

    /// Copies `bytes` into the next slot, addressed to `destination` through `socket`. With
    /// `source` or `interfaceIndex`, an `IPV6_PKTINFO` control message makes the datagram leave
    /// from that address / interface (the address the query came to). Returns false when the
    /// ring is full or `bytes` exceeds `slotSize`: flush and retry, or count a drop.
    public func enqueue(
        _ bytes: UnsafeRawBufferPointer, on socket: UDPSocket, to destination: SocketAddress6,
        from source: IPv6Address? = nil, interfaceIndex: UInt32 = 0
    ) -> Bool {
        guard pending < capacity, bytes.count <= slotSize else { return false }
        let slot = slots + pending * slotSize
        if let base = bytes.baseAddress, bytes.count > 0 { slot.copyMemory(from: base, byteCount: bytes.count) }
        address(UnsafeRawBufferPointer(start: slot, count: bytes.count), socket, destination, source, interfaceIndex)
        return true
    }

    /// ``enqueue(_:on:to:from:interfaceIndex:)`` without the copy: the datagram is sent from
    /// `bytes` itself, which the caller must keep unchanged until the next `flush` returns
    /// (a shard worker's replies, written once where they are sent from). Returns false
    /// when the ring is full.
    public func enqueue(
        borrowing bytes: UnsafeRawBufferPointer, on socket: UDPSocket, to destination: SocketAddress6,
        from source: IPv6Address? = nil, interfaceIndex: UInt32 = 0
    ) -> Bool {
        guard pending < capacity else { return false }
        address(bytes, socket, destination, source, interfaceIndex)
        return true
    }

    /// Fills in the next message for `bytes` and counts it pending.
    private func address(
        _ bytes: UnsafeRawBufferPointer, _ socket: UDPSocket, _ destination: SocketAddress6, _ source: IPv6Address?,
        _ interfaceIndex: UInt32
    ) {
        let index = pending
        vectors[index].iov_base = UnsafeMutableRawPointer(mutating: bytes.baseAddress)
        vectors[index].iov_len = bytes.count
        curing_sockaddr_in6_set(
            addresses + index, destination.address.high, destination.address.low, destination.port,
            destination.scopeID)
        if source != nil || interfaceIndex != 0 {
            let control = controls + index * controlSpace
            let address = source ?? .unspecified
            messages[index].msg_control = control
            messages[index].msg_controllen = curing_write_pktinfo(control, address.high, address.low, interfaceIndex)
        } else {
            messages[index].msg_control = nil
            messages[index].msg_controllen = 0
        }
        descriptors[index] = socket.fileDescriptor
        pending += 1
    }

    /// Submits every enqueued datagram in one `io_uring_submit_and_wait` and waits for all
    /// their completions. Returns how many were sent; failed sends are added to `failures`.
    /// Throws only when the ring itself fails.
    @discardableResult
    public func flush() throws(TransportError) -> Int {
        let submitted = pending
        guard submitted > 0 else { return 0 }
        try ring.enableIfNeeded()
        for index in 0..<submitted {
            let entry = try ring.nextSubmission()
            io_uring_prep_sendmsg(entry, descriptors[index], messages + index, 0)
            io_uring_sqe_set_data64(entry, UInt64(index))
        }
        pending = 0
        var reaped = 0
        var sent = 0
        while reaped < submitted {
            _ = try SystemCalls.submitAndWait(ring.ring, count: UInt32(submitted - reaped))
            let ready = ring.peekBatch()
            for slot in 0..<ready {
                guard let completion = ring.completions[slot] else { continue }
                let result = completion.pointee.res
                if result >= 0 {
                    sent += 1
                } else {
                    failureCount += 1
                    lastFailureErrno = -result
                }
            }
            ring.advance(ready)
            reaped += ready
        }
        return sent
    }

    deinit {
        ring.close()
        slots.deallocate()
        messages.deallocate()
        vectors.deallocate()
        addresses.deallocate()
        controls.deallocate()
        descriptors.deallocate()
    }
}
