import CURing

#if canImport(Glibc)
    import Glibc
#endif

/// The io_uring calls that enter the kernel, each turning liburing's negated errno into a
/// `SystemCallError`. Everything else the transport does with a ring (`get_sqe`, `prep_*`,
/// `peek_batch_cqe`, `cq_advance`, buffer-ring updates) only touches shared memory and stays
/// with liburing's inline functions. The rings themselves are owned by the transport's
/// `IORing` class, one thread at a time.
package enum RingCalls {
    /// `io_uring_queue_init_params`.
    package static func setUp(
        entries: UInt32, ring: UnsafeMutablePointer<io_uring>, params: inout io_uring_params
    ) throws(SystemCallError) {
        let result = io_uring_queue_init_params(entries, ring, &params)
        guard result == 0 else { throw .negated("io_uring_queue_init", result: result) }
    }

    /// `io_uring_queue_exit`: cancels what is in flight and unmaps the queues.
    package static func tearDown(_ ring: UnsafeMutablePointer<io_uring>) {
        io_uring_queue_exit(ring)
    }

    /// Registers a provided-buffer ring of `entries` entries at `address` as buffer group `group`.
    package static func registerBufferRing(
        _ ring: UnsafeMutablePointer<io_uring>, address: UnsafeMutableRawPointer, entries: UInt32, group: UInt16
    ) throws(SystemCallError) {
        var registration = io_uring_buf_reg()
        registration.ring_addr = UInt64(UInt(bitPattern: address))
        registration.ring_entries = entries
        registration.bgid = group
        let result = io_uring_register_buf_ring(ring, &registration, 0)
        guard result == 0 else { throw .negated("io_uring_register_buf_ring", result: result) }
    }

    /// Enables a ring created with `IORING_SETUP_R_DISABLED`; the calling thread becomes its
    /// single issuer.
    package static func enable(_ ring: UnsafeMutablePointer<io_uring>) throws(SystemCallError) {
        let result = curing_enable_rings(ring)
        guard result == 0 else { throw .negated("io_uring_enable_rings", result: result) }
    }

    /// `io_uring_submit_and_wait`: submits the queued entries and waits for `count` completions.
    /// Returns false for a transient failure (`EINTR`, `EAGAIN`, `EBUSY`) the caller retries.
    @inline(__always)
    package static func submitAndWait(_ ring: UnsafeMutablePointer<io_uring>, count: UInt32) throws(SystemCallError)
        -> Bool
    {
        let result = io_uring_submit_and_wait(ring, count)
        if result >= 0 { return true }
        switch -result {
        case EINTR, EAGAIN, EBUSY: return false
        default: throw .negated("io_uring_submit_and_wait", result: result)
        }
    }
}
