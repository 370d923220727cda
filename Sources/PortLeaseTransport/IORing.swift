import CURing
import PortLeaseSystem

#if canImport(Glibc)
    import Glibc
#endif

/// One io_uring instance at a stable heap address, set up with the best flags the kernel takes.
///
/// First choice: `SINGLE_ISSUER | DEFER_TASKRUN` (Linux 6.1; completion work runs only when the
/// owning thread waits, so there is no cross-thread wake-up per datagram) together with
/// `R_DISABLED`, so the ring can be created on one thread and then owned by the thread that
/// calls `enableIfNeeded()` first (the kernel makes that thread the single issuer). On `EINVAL`
/// it falls back to `COOP_TASKRUN`, then to no flags. `SUBMIT_ALL` keeps a batch going past
/// one bad SQE. Used by one thread at a time; the owner class documents which.
final class IORing {
    /// The liburing ring; the kernel reads and writes its mapped queues.
    let ring: UnsafeMutablePointer<io_uring>
    /// Whether the ring runs with `SINGLE_ISSUER | DEFER_TASKRUN`.
    let defersTaskRun: Bool
    /// Room for one `peek_batch_cqe` of the whole completion queue.
    let completions: UnsafeMutablePointer<UnsafeMutablePointer<io_uring_cqe>?>
    /// The completion queue's size.
    let completionCapacity: Int
    private var enabled: Bool
    private var closed = false

    /// Creates a ring of `entries` submission entries and `completionEntries` completion
    /// entries (at least twice `entries`). With `deferTaskRun` false the `DEFER_TASKRUN`
    /// set-up is not tried: a ring whose completions are peeked without waiting (a sync
    /// finishing on a kernel worker) must see them without entering the kernel.
    init(entries: UInt32, completionEntries: UInt32, deferTaskRun: Bool = true) throws(TransportError) {
        let ring = UnsafeMutablePointer<io_uring>.allocate(capacity: 1)
        ring.initialize(to: io_uring())
        let cqSize = max(completionEntries, entries * 2)
        var attempts: [(flags: UInt32, defers: Bool)] = [
            (
                IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN
                    | IORING_SETUP_R_DISABLED, true
            ),
            (IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN, false),
            (0, false),
        ]
        if !deferTaskRun { attempts = [(IORING_SETUP_SUBMIT_ALL, false), (0, false)] }
        var failure: SystemCallError?
        var defers = false
        for attempt in attempts {
            var params = io_uring_params()
            params.flags = attempt.flags | IORING_SETUP_CQSIZE
            params.cq_entries = cqSize
            do {
                try RingCalls.setUp(entries: entries, ring: ring, params: &params)
                failure = nil
                defers = attempt.defers
                break
            } catch {
                failure = error
                if error.code != .invalidArgument { break }
            }
        }
        if let failure {
            ring.deallocate()
            throw IORingSupport.setupError(failure)
        }
        self.ring = ring
        self.defersTaskRun = defers
        self.enabled = !defers
        self.completionCapacity = Int(ring.pointee.cq.ring_entries)
        self.completions = .allocate(capacity: completionCapacity)
        self.completions.initialize(repeating: nil, count: completionCapacity)
    }

    /// Enables the ring on its first use; the calling thread becomes its only submitter.
    func enableIfNeeded() throws(TransportError) {
        guard !enabled else { return }
        try SystemCalls.transport { () throws(SystemCallError) in try RingCalls.enable(ring) }
        enabled = true
    }

    /// A free submission entry, submitting what is queued to make room if the queue is full.
    func nextSubmission() throws(TransportError) -> UnsafeMutablePointer<io_uring_sqe> {
        if let entry = io_uring_get_sqe(ring) { return entry }
        _ = try SystemCalls.submitAndWait(ring, count: 0)
        guard let entry = io_uring_get_sqe(ring) else {
            throw .systemCall(SystemCallError("io_uring_get_sqe (submission queue full)", code: .resourceBusy))
        }
        return entry
    }

    /// Fills `completions` with the ready completions; returns how many (then `advance`).
    func peekBatch() -> Int {
        Int(io_uring_peek_batch_cqe(ring, completions, UInt32(completionCapacity)))
    }

    /// Marks `count` completions from `peekBatch` as consumed.
    func advance(_ count: Int) {
        io_uring_cq_advance(ring, UInt32(count))
    }

    /// Tears the ring down (cancelling every request in flight); after this the kernel no
    /// longer reads or writes any memory the requests named. Idempotent; deinit calls it.
    func close() {
        guard !closed else { return }
        closed = true
        RingCalls.tearDown(ring)
    }

    deinit {
        close()
        ring.deallocate()
        completions.deallocate()
    }
}
