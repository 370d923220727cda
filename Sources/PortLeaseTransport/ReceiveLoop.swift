import CURing
import PortLeaseSystem
import PortLeaseWire
import Synchronization
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// The receive side of the server: one io_uring reading every socket with multishot `recvmsg`.
///
/// The kernel picks a buffer from a registered provided-buffer ring for each datagram, so one
/// armed request per socket receives any number of datagrams with no per-datagram syscall and
/// no per-datagram allocation. `run` waits with `io_uring_submit_and_wait`, takes every ready
/// completion at once (`peek_batch_cqe`), calls the handler for each datagram, gives the
/// buffers back to the ring, advances the completion queue with one `cq_advance`, then calls
/// `batchEnd` so the caller can hand its per-shard queues over in one go.
///
/// Memory (all allocated in `init`, released in deinit, after the ring is torn down):
/// the buffer ring and its `bufferCount` buffers (one anonymous mapping, a `MappedMemory`), the
/// `msghdr` the kernel reads for every receive, the wake-up's 8-byte read target, the
/// completion array. Descriptors: the loop owns its ring and its `WakeEvent` (an eventfd whose
/// queued read is how `stop()` wakes `run`); the sockets belong to their `UDPSocket`s.
///
/// Threads: `run` is called from one thread at a time, and with `SINGLE_ISSUER` always the same
/// thread (the first that runs it). `stop()` and `statistics` may be called from any thread.
public final class ReceiveLoop: @unchecked Sendable {
    /// The sockets, in the order `ReceivedDatagram.socketIndex` refers to.
    public let sockets: [UDPSocket]
    /// The largest datagram delivered; larger ones are counted as truncated.
    public let bufferSize: Int
    /// The number of provided buffers (the requested count rounded up to a power of two).
    public let bufferCount: Int

    private static let bufferGroup: UInt16 = 0
    private static let wakeTag = UInt64(UInt32.max) + 1

    private let ring: IORing
    private let mapping: MappedMemory
    private let bufferRing: UnsafeMutablePointer<io_uring_buf_ring>
    private let buffers: UnsafeMutableRawPointer
    private let bufferStride: Int
    private let message: UnsafeMutablePointer<msghdr>
    private let armed: UnsafeMutablePointer<Bool>
    private let wake: WakeEvent
    private let wakeValue: UnsafeMutablePointer<UInt64>
    private var wakeArmed = false

    private let stopRequested = Atomic<Bool>(false)
    private let receivedCount = Atomic<Int>(0)
    private let truncatedCount = Atomic<Int>(0)
    private let noBuffersCount = Atomic<Int>(0)
    private let rearmCount = Atomic<Int>(0)
    private let errorCount = Atomic<Int>(0)

    /// Sets up the ring and registers `bufferCount` buffers (rounded up to a power of two, at
    /// most 32768) of `bufferSize` payload bytes each; the room the kernel needs for the
    /// source address and `IPV6_PKTINFO` is added to each buffer. `entries` sizes the
    /// submission queue (at least the number of sockets plus one).
    public init(sockets: [UDPSocket], bufferCount: Int = 1024, bufferSize: Int = 2048, entries: UInt32 = 256)
        throws(TransportError)
    {
        precondition(!sockets.isEmpty, "ReceiveLoop needs at least one socket")
        precondition((1...32768).contains(bufferCount), "bufferCount must be 1...32768")
        precondition(bufferSize > 0, "bufferSize must be positive")
        precondition(Int(entries) > sockets.count, "entries must exceed the number of sockets")
        self.sockets = sockets
        self.bufferSize = bufferSize
        var count = 1
        while count < bufferCount { count <<= 1 }
        self.bufferCount = count

        message = .allocate(capacity: 1)
        message.initialize(to: msghdr())
        message.pointee.msg_namelen = socklen_t(MemoryLayout<sockaddr_in6>.size)
        message.pointee.msg_controllen = curing_receive_control_space()
        let header = curing_recvmsg_header_size(message)
        bufferStride = (header + bufferSize + 63) & ~63

        let page = MappedMemory.pageSize
        let ringBytes = (MemoryLayout<io_uring_buf>.stride * count + page - 1) / page * page
        armed = .allocate(capacity: sockets.count)
        armed.initialize(repeating: false, count: sockets.count)
        wakeValue = .allocate(capacity: 1)
        wakeValue.initialize(to: 0)
        do {
            ring = try IORing(entries: entries, completionEntries: UInt32(count) + entries)
            let length = ringBytes + bufferStride * count
            mapping = try SystemCalls.transport { () throws(SystemCallError) in
                try MappedMemory(length: length, purpose: "provided buffers")
            }
            wake = try SystemCalls.transport { () throws(SystemCallError) in try WakeEvent() }
        } catch {
            message.deallocate()
            armed.deallocate()
            wakeValue.deallocate()
            throw error
        }
        bufferRing = mapping.base.bindMemory(to: io_uring_buf_ring.self, capacity: 1)
        buffers = mapping.base + ringBytes
        io_uring_buf_ring_init(bufferRing)
        let mask = io_uring_buf_ring_mask(UInt32(count))
        for index in 0..<count {
            io_uring_buf_ring_add(
                bufferRing, buffers + index * bufferStride, UInt32(bufferStride), UInt16(index), mask, Int32(index))
        }
        io_uring_buf_ring_advance(bufferRing, Int32(count))
        try SystemCalls.registerBufferRing(
            ring.ring, address: mapping.base, entries: UInt32(count), group: ReceiveLoop.bufferGroup)
    }

    /// Whether the ring runs with `SINGLE_ISSUER | DEFER_TASKRUN` (false on kernels before 6.1).
    public var defersTaskRun: Bool { ring.defersTaskRun }

    /// The counters so far (relaxed atomic reads; each counter is exact, the set is not a
    /// single instant).
    public var statistics: ReceiveStatistics {
        ReceiveStatistics(
            received: receivedCount.load(ordering: .relaxed), truncated: truncatedCount.load(ordering: .relaxed),
            noBuffers: noBuffersCount.load(ordering: .relaxed), rearms: rearmCount.load(ordering: .relaxed),
            errors: errorCount.load(ordering: .relaxed))
    }

    /// Makes `run` return after the batch in hand (or the next `run` at once, if none is
    /// running). Safe from any thread, including a signal-handling thread.
    public func stop() {
        stopRequested.store(true, ordering: .releasing)
        wake.signal()
    }

    /// Receives until `stop()`, on the calling thread. `handler` sees each datagram of a batch
    /// (its payload valid only during the call), then `batchEnd` runs once per batch.
    /// Throws when the ring itself fails or a socket becomes unusable (EBADF, ENOTSOCK, ...).
    public func run(handler: (ReceivedDatagram) -> Void, batchEnd: () -> Void) throws(TransportError) {
        try ring.enableIfNeeded()
        try armAll(counting: false)
        while !stopRequested.exchange(false, ordering: .acquiringAndReleasing) {
            guard try SystemCalls.submitAndWait(ring.ring, count: 1) else { continue }
            let ready = ring.peekBatch()
            if ready == 0 { continue }
            let failure = processBatch(ready, handler: handler)
            batchEnd()
            if let failure { throw failure }
            try armAll(counting: true)
        }
    }

    /// Handles `ready` completions, returns their buffers and advances the queues. Returns the
    /// first fatal receive error, after the whole batch has been consumed.
    private func processBatch(_ ready: Int, handler: (ReceivedDatagram) -> Void) -> TransportError? {
        var received = 0
        var truncated = 0
        var noBuffers = 0
        var errors = 0
        var returned: Int32 = 0
        var failure: TransportError?
        let mask = io_uring_buf_ring_mask(UInt32(bufferCount))
        for slot in 0..<ready {
            guard let completion = ring.completions[slot] else { continue }
            let tag = completion.pointee.user_data
            let result = completion.pointee.res
            let flags = completion.pointee.flags
            if tag == ReceiveLoop.wakeTag {
                wakeArmed = false
                continue
            }
            let socketIndex = Int(tag)
            if flags & IORING_CQE_F_MORE == 0 { armed[socketIndex] = false }
            if flags & IORING_CQE_F_BUFFER != 0 {
                let bufferID = Int(flags >> IORING_CQE_BUFFER_SHIFT)
                let buffer = buffers + bufferID * bufferStride
                if result >= 0 {
                    var decoded = curing_datagram()
                    if curing_parse_recvmsg(buffer, result, message, &decoded) != 0 {
                        errors += 1
                    } else if decoded.truncated != 0 {
                        truncated += 1
                    } else {
                        received += 1
                        handler(
                            ReceivedDatagram(
                                payload: UnsafeRawBufferPointer(
                                    start: decoded.payload, count: Int(decoded.payload_length)),
                                source: SocketAddress6(
                                    address: IPv6Address(high: decoded.source_high, low: decoded.source_low),
                                    port: decoded.source_port, scopeID: decoded.source_scope_id),
                                destination: IPv6Address(high: decoded.destination_high, low: decoded.destination_low),
                                interfaceIndex: decoded.interface_index, socketIndex: socketIndex,
                                kernelReceiveTime: decoded.received_realtime_ns))
                    }
                }
                io_uring_buf_ring_add(
                    bufferRing, buffer, UInt32(bufferStride), UInt16(bufferID), mask, returned)
                returned += 1
            } else if result < 0 {
                switch -result {
                case ENOBUFS: noBuffers += 1
                case EBADF, ENOTSOCK, EINVAL, EFAULT, EOPNOTSUPP:
                    if failure == nil {
                        failure = .systemCall(
                            SystemCallError(
                                "multishot recvmsg on \(sockets[socketIndex].localAddress)",
                                code: Errno(rawValue: -result)))
                    }
                default: errors += 1
                }
            }
        }
        if returned > 0 { io_uring_buf_ring_advance(bufferRing, returned) }
        ring.advance(ready)
        if received > 0 { receivedCount.add(received, ordering: .relaxed) }
        if truncated > 0 { truncatedCount.add(truncated, ordering: .relaxed) }
        if noBuffers > 0 { noBuffersCount.add(noBuffers, ordering: .relaxed) }
        if errors > 0 { errorCount.add(errors, ordering: .relaxed) }
        return failure
    }

    /// Queues a multishot receive for every socket the kernel is not reading, and the wake-up
    /// read of the eventfd. `counting` adds the sockets' re-arms to the statistics.
    private func armAll(counting: Bool) throws(TransportError) {
        var rearmed = 0
        for index in sockets.indices where !armed[index] {
            let entry = try ring.nextSubmission()
            io_uring_prep_recvmsg_multishot(entry, sockets[index].fileDescriptor, message, UInt32(CURING_MSG_TRUNC))
            entry.pointee.flags |= UInt8(CURING_IOSQE_BUFFER_SELECT)
            entry.pointee.buf_group = ReceiveLoop.bufferGroup
            io_uring_sqe_set_data64(entry, UInt64(index))
            armed[index] = true
            rearmed += 1
        }
        if counting && rearmed > 0 { rearmCount.add(rearmed, ordering: .relaxed) }
        if !wakeArmed {
            let entry = try ring.nextSubmission()
            io_uring_prep_read(entry, wake.descriptor.rawValue, wakeValue, UInt32(MemoryLayout<UInt64>.size), 0)
            io_uring_sqe_set_data64(entry, ReceiveLoop.wakeTag)
            wakeArmed = true
        }
    }

    deinit {
        // The ring goes first: once it is torn down the kernel no longer touches the buffers.
        // The mapping and the wake-up's eventfd are released after this body, as stored properties.
        ring.close()
        message.deallocate()
        armed.deallocate()
        wakeValue.deallocate()
    }
}
