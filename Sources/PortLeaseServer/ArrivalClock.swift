import PortLeaseSystem

/// Turns the kernel's receive stamps into the monotonic times the shard queues keep.
///
/// The kernel stamps a datagram when it arrives (`SO_TIMESTAMPNS`), before it waits in the
/// socket's receive buffer; the stamp is wall-clock time (`CLOCK_REALTIME`), while queue
/// delays are measured on the monotonic clock. The receive thread reads both clocks once per
/// batch (``startBatch()``) and places each stamp that far back on the monotonic clock. A
/// stamp missing, or later than the wall clock (an NTP step back while datagrams waited),
/// counts as arriving now; a step forward makes the datagrams then waiting look older for
/// one batch, and some may be shed as stale: the client retransmits.
struct ArrivalClock {
    private var monotonic: UInt64 = 0
    private var wallClock: UInt64 = 0
    private var sampled = false

    /// Forgets the clocks read for the last batch; the next ``monotonicTime(ofKernelStamp:)`` reads them.
    mutating func startBatch() {
        sampled = false
    }

    /// The monotonic time (ns) at which a datagram stamped `stamp` (wall-clock ns, 0 for none) arrived.
    mutating func monotonicTime(ofKernelStamp stamp: UInt64) -> UInt64 {
        if !sampled {
            monotonic = SystemClock.monotonicNanoseconds()
            wallClock = SystemClock.wallClockNanoseconds()
            sampled = true
        }
        guard stamp != 0, stamp < wallClock else { return monotonic }
        let waited = wallClock - stamp
        return waited < monotonic ? monotonic - waited : 0
    }
}
