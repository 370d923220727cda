import CURing

/// Data syncs (`fdatasync`), or durable writes of a direct segment, submitted through an
/// io_uring and reaped later: the pipelined
/// group commit of a shard worker, which goes on deciding and writing the next batch while
/// the previous one becomes durable, instead of blocking in `fdatasync`.
///
/// An `IORING_OP_FSYNC` with `IORING_FSYNC_DATASYNC` runs on one of the kernel's io-wq
/// workers and posts its completion there, so the ring is set up without `DEFER_TASKRUN`:
/// ``completion(wait:)`` sees a finished sync by peeking, without a system call. The
/// request holds its own reference to the file from submission on, but the caller keeps
/// the descriptor open until the completion anyway (the log rotates only with no sync in
/// flight). A few entries suffice: a worker has at most one sync in flight.
///
/// Threads: one owner (the shard worker). Memory: the ring only; nothing per request.
public final class SyncRing: @unchecked Sendable {
    private let ring: IORing

    public init() throws(TransportError) {
        ring = try IORing(entries: 4, completionEntries: 8, deferTaskRun: false)
    }

    /// Submits a data sync of `descriptor`, to be reported with `token`. Returns once the
    /// kernel has the request, not once it is done.
    public func submitDataSync(_ descriptor: Int32, token: UInt64) throws(TransportError) {
        try ring.enableIfNeeded()
        let entry = try ring.nextSubmission()
        io_uring_prep_fsync(entry, descriptor, UInt32(IORING_FSYNC_DATASYNC))
        io_uring_sqe_set_data64(entry, token)
        while try !SystemCalls.submitAndWait(ring.ring, count: 0) {}
    }

    /// Submits a write of `bytes` at `offset` with `RWF_DSYNC` (a direct lease-log segment):
    /// its completion, reported with `token` and the bytes written, means they are durable.
    /// The memory is the caller's and must not change until then.
    public func submitDurableWrite(
        _ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, token: UInt64
    ) throws(TransportError) {
        try ring.enableIfNeeded()
        let entry = try ring.nextSubmission()
        curing_prep_write_durable(entry, descriptor, bytes.baseAddress, UInt32(bytes.count), UInt64(offset))
        io_uring_sqe_set_data64(entry, token)
        while try !SystemCalls.submitAndWait(ring.ring, count: 0) {}
    }

    /// The next finished sync: its token and result (0, or a negated `errno`). Without
    /// `wait`, nil at once when none has finished; with it, blocks until one has (call it only
    /// with a sync in flight).
    public func completion(wait: Bool) throws(TransportError) -> (token: UInt64, result: Int32)? {
        while true {
            if ring.peekBatch() > 0, let completion = ring.completions[0] {
                let finished = (io_uring_cqe_get_data64(completion), completion.pointee.res)
                ring.advance(1)
                return finished
            }
            guard wait else { return nil }
            _ = try SystemCalls.submitAndWait(ring.ring, count: 1)
        }
    }

    deinit {
        ring.close()
    }
}
