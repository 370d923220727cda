import PortLeaseWire
import Synchronization

/// One lane of a ``ShardQueue``: a bounded single-producer, single-consumer ring of
/// datagrams, with a producer-side index of the exchanges still waiting in it.
///
/// Memory is allocated once: `capacity` slots of `slotSize` bytes plus their origins and
/// receive times. Head and tail are atomics, each written by one side only. The receive
/// time of a waiting slot is an atomic too: the producer refreshes it when the same
/// exchange (client and xid) is retransmitted while the first copy is still waiting, so the
/// retransmission takes the original's place in line instead of a second slot, and the
/// original is judged by the age of the newest copy (the client is still waiting for it).
///
/// The exchange index is the producer's alone: `indexSize` entries, a key and the position
/// it was queued at, overwritten on collision. It can only forget an exchange (which then
/// queues twice, as without the index), never confuse two: the full key is compared, and a
/// position behind the consumer's head is no longer waiting.
final class DatagramRing: @unchecked Sendable {
    let capacity: Int
    let slotSize: Int
    private let payloads: UnsafeMutableRawPointer
    private let lengths: UnsafeMutablePointer<Int>
    private let origins: UnsafeMutablePointer<DatagramOrigin>
    private let receivedTimes: UnsafeMutablePointer<Atomic<UInt64>>
    /// The classifier's parse of each slot's query, moved to the slot's copy (nil when the
    /// producer queued bytes it did not parse).
    private let parses: UnsafeMutablePointer<QueuedQuery?>
    /// Next position the consumer reads; written by the consumer only.
    private let head = Atomic<Int>(0)
    /// Next position the producer writes; written by the producer only.
    private let tail = Atomic<Int>(0)
    /// Datagrams dropped because the ring was full, or too big for a slot.
    let full = Atomic<Int>(0)
    /// Retransmissions that refreshed a waiting copy instead of taking a slot.
    let replaced = Atomic<Int>(0)
    private let indexMask: Int
    private let indexKeys: UnsafeMutablePointer<UInt64>
    private let indexPositions: UnsafeMutablePointer<Int>

    init(capacity: Int, slotSize: Int) {
        precondition(capacity > 0 && slotSize > 0, "a queue needs room")
        self.capacity = capacity
        self.slotSize = slotSize
        payloads = UnsafeMutableRawPointer.allocate(byteCount: capacity * slotSize, alignment: 64)
        lengths = .allocate(capacity: capacity)
        lengths.initialize(repeating: 0, count: capacity)
        origins = .allocate(capacity: capacity)
        origins.initialize(repeating: DatagramOrigin.unspecified, count: capacity)
        parses = .allocate(capacity: capacity)
        parses.initialize(repeating: nil, count: capacity)
        receivedTimes = .allocate(capacity: capacity)
        for slot in 0..<capacity { (receivedTimes + slot).initialize(to: Atomic(0)) }
        // Twice the slots, a power of two: most waiting exchanges keep their entry.
        var indexSize = 1
        while indexSize < 2 * capacity { indexSize <<= 1 }
        indexMask = indexSize - 1
        indexKeys = .allocate(capacity: indexSize)
        indexKeys.initialize(repeating: 0, count: indexSize)
        indexPositions = .allocate(capacity: indexSize)
        indexPositions.initialize(repeating: 0, count: indexSize)
    }

    deinit {
        payloads.deallocate()
        lengths.deallocate()
        origins.deinitialize(count: capacity)
        origins.deallocate()
        parses.deinitialize(count: capacity)
        parses.deallocate()
        receivedTimes.deinitialize(count: capacity)
        receivedTimes.deallocate()
        indexKeys.deallocate()
        indexPositions.deallocate()
    }

    /// Producer side: refreshes the waiting copy of `exchange` (not 0) to `received`, or
    /// copies `payload` into the next slot, with `parsed` (its parse) moved to the copy.
    func enqueue(
        _ payload: UnsafeRawBufferPointer, parsed: QueuedQuery?, origin: DatagramOrigin, received: UInt64,
        exchange: UInt64
    ) -> ShardQueue.Admission {
        let tail = self.tail.load(ordering: .relaxed)
        let head = self.head.load(ordering: .acquiring)
        let entry = Int(truncatingIfNeeded: (exchange &* 0x9E37_79B9_7F4A_7C15) >> 32) & indexMask
        if exchange != 0 && indexKeys[entry] == exchange && indexPositions[entry] >= head {
            // Still waiting (the consumer frees slots only after handing them over; a copy
            // being handed over right now may be judged by its old time: it is then shed as
            // stale, and the client retransmits again).
            receivedTimes[indexPositions[entry] % capacity].store(received, ordering: .relaxed)
            replaced.add(1, ordering: .relaxed)
            return .replaced
        }
        guard payload.count <= slotSize, tail - head < capacity else {
            full.add(1, ordering: .relaxed)
            return .full
        }
        let slot = tail % capacity
        let copy = payloads + slot * slotSize
        if let base = payload.baseAddress { copy.copyMemory(from: base, byteCount: payload.count) }
        parses[slot] = parsed?.relocated(ByteRelocation(from: payload, to: copy))
        lengths[slot] = payload.count
        origins[slot] = origin
        receivedTimes[slot].store(received, ordering: .relaxed)
        if exchange != 0 {
            indexKeys[entry] = exchange
            indexPositions[entry] = tail
        }
        self.tail.store(tail + 1, ordering: .releasing)
        return .queued
    }

    /// Consumer side: hands up to `limit` datagrams to `body`, oldest first, with their
    /// parses and receive times, then frees their slots. The payload view and the parse are
    /// valid only during the call.
    func drain(
        limit: Int, _ body: (UnsafeRawBufferPointer, borrowing QueuedQuery?, DatagramOrigin, UInt64) -> Void
    ) -> Int {
        let head = self.head.load(ordering: .relaxed)
        let available = min(limit, tail.load(ordering: .acquiring) - head)
        guard available > 0 else { return 0 }
        for position in head..<(head + available) {
            let slot = position % capacity
            body(
                UnsafeRawBufferPointer(start: payloads + slot * slotSize, count: lengths[slot]), parses[slot],
                origins[slot], receivedTimes[slot].load(ordering: .relaxed))
        }
        self.head.store(head + available, ordering: .releasing)
        return available
    }

    /// Datagrams waiting (a snapshot).
    var depth: Int { tail.load(ordering: .acquiring) - head.load(ordering: .acquiring) }
}
