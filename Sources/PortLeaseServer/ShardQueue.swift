import PortLeaseSystem

/// The bounded queues between the receive loop (producer) and one shard worker
/// (consumer): two lanes of datagrams, each a ``DatagramRing`` allocated once.
///
/// Under overload the server finishes what was started before it starts anything new
/// (issue 17). A query that continues an exchange or keeps a subscriber online (a
/// REQUEST after an OFFER, a renewal, a rebind, INIT-REBOOT, RELEASE, DECLINE, INFORM)
/// goes to the ``Lane/continuing`` lane; a DISCOVER, which starts a new one, to the
/// ``Lane/starting`` lane. The worker drains the continuing lane first and fills the rest
/// of its batch from the starting lane, and each lane has its own room, so a flood of
/// DISCOVERs can fill only its own lane: it slows newcomers, never the bound.
///
/// Enqueue copies the datagram into a slot (the receive buffer goes back to the kernel at
/// once); when a lane is full the datagram is dropped and counted, so a flood costs a
/// counter, never memory. A retransmission of an exchange still waiting refreshes the
/// waiting copy instead (``Admission/replaced``). Each datagram keeps the time it was
/// received (monotonic ns), so the worker can shed what waited past its budget.
public final class ShardQueue: @unchecked Sendable {
    /// Which lane a query waits in.
    public enum Lane: Sendable, Hashable {
        /// Work that finishes an exchange or keeps a subscriber online: served first.
        case continuing
        /// A DISCOVER, which starts a new exchange: served with what room is left.
        case starting
    }

    /// What happened to a datagram offered to the queue.
    public enum Admission: Sendable, Hashable {
        /// It took a slot: wake the worker.
        case queued
        /// A copy of the same exchange was still waiting; its receive time was refreshed.
        case replaced
        /// Its lane was full, or it was too big for a slot (counted).
        case full
    }

    /// Slots per lane.
    public let capacity: Int
    public let slotSize: Int
    private let continuing: DatagramRing
    private let starting: DatagramRing

    /// A queue whose lanes hold `capacity` datagrams of up to `slotSize` bytes each.
    public init(capacity: Int, slotSize: Int = 2048) {
        self.capacity = capacity
        self.slotSize = slotSize
        continuing = DatagramRing(capacity: capacity, slotSize: slotSize)
        starting = DatagramRing(capacity: capacity, slotSize: slotSize)
    }

    /// Producer side: queues `payload`, received at `received` (monotonic ns), in `lane`.
    /// With `exchange` (not 0; ``Classifier/QueryRoute/exchange``), a retransmission of
    /// one still waiting refreshes it instead of taking a second slot.
    public func admit(
        _ payload: UnsafeRawBufferPointer, origin: DatagramOrigin,
        received: UInt64 = SystemClock.monotonicNanoseconds(), lane: Lane = .continuing, exchange: UInt64 = 0
    ) -> Admission {
        ring(lane).enqueue(payload, parsed: nil, origin: origin, received: received, exchange: exchange)
    }

    /// ``admit(_:origin:received:lane:exchange:)`` for a query the producer parsed: the parse
    /// (`parsed`, of `payload`) travels with the copy, so the worker does not parse again.
    package func admit(
        _ payload: UnsafeRawBufferPointer, parsed: QueuedQuery?, origin: DatagramOrigin, received: UInt64,
        lane: Lane, exchange: UInt64
    ) -> Admission {
        ring(lane).enqueue(payload, parsed: parsed, origin: origin, received: received, exchange: exchange)
    }

    /// ``admit(_:origin:received:lane:exchange:)`` in the continuing lane, without
    /// duplicate detection: true when it took a slot.
    @discardableResult
    public func enqueue(
        _ payload: UnsafeRawBufferPointer, origin: DatagramOrigin,
        received: UInt64 = SystemClock.monotonicNanoseconds()
    ) -> Bool {
        admit(payload, origin: origin, received: received) == .queued
    }

    /// Consumer side: hands up to `limit` datagrams to `body`, the continuing lane's first
    /// (oldest first in each lane), then frees their slots. The payload view is valid only
    /// during the call.
    @discardableResult
    public func drain(limit: Int, _ body: (UnsafeRawBufferPointer, DatagramOrigin) -> Void) -> Int {
        drain(limit: limit) { payload, origin, _, _ in body(payload, origin) }
    }

    /// ``drain(limit:_:)`` with each datagram's receive time (monotonic ns) and lane.
    @discardableResult
    public func drain(limit: Int, _ body: (UnsafeRawBufferPointer, DatagramOrigin, UInt64, Lane) -> Void) -> Int {
        drainQueries(limit: limit) { payload, _, origin, received, lane in body(payload, origin, received, lane) }
    }

    /// ``drain(limit:_:)`` with each datagram's parse too: the producer's, moved into the
    /// slot, or nil when it queued bytes it did not parse (valid only during the call).
    @discardableResult
    package func drainQueries(
        limit: Int, _ body: (UnsafeRawBufferPointer, borrowing QueuedQuery?, DatagramOrigin, UInt64, Lane) -> Void
    ) -> Int {
        let first = continuing.drain(limit: limit) { body($0, $1, $2, $3, .continuing) }
        guard first < limit else { return first }
        return first + starting.drain(limit: limit - first) { body($0, $1, $2, $3, .starting) }
    }

    /// Datagrams waiting in both lanes (a snapshot).
    public var depth: Int { continuing.depth + starting.depth }

    /// Datagrams waiting in `lane` (a snapshot).
    public func depth(_ lane: Lane) -> Int { ring(lane).depth }

    /// Datagrams the queue itself dropped or absorbed for `reason`: ``DatagramDropReason/queueFull``
    /// (continuing lane full), ``DatagramDropReason/queueFullDiscover`` (starting lane full) and
    /// ``DatagramDropReason/duplicate`` (retransmissions absorbed); 0 for other reasons.
    public func drops(_ reason: DatagramDropReason) -> Int {
        switch reason {
        case .queueFull: continuing.full.load(ordering: .relaxed)
        case .queueFullDiscover: starting.full.load(ordering: .relaxed)
        case .duplicate: continuing.replaced.load(ordering: .relaxed) + starting.replaced.load(ordering: .relaxed)
        default: 0
        }
    }

    private func ring(_ lane: Lane) -> DatagramRing {
        switch lane {
        case .continuing: continuing
        case .starting: starting
        }
    }
}
