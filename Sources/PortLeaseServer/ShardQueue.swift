import PortLeaseSystem
import Synchronization

/// A bounded single-producer, single-consumer queue of datagrams between the
/// receive loop (producer) and one shard worker (consumer).
///
/// Memory is allocated once: `capacity` slots of `slotSize` bytes each plus their
/// origins. Enqueue copies the datagram into the next free slot (the receive
/// buffer goes back to the kernel at once); when every slot is taken the datagram
/// is dropped and counted, so a flood costs a counter, never memory. Head and tail
/// are atomics; each is written by one side only. Each datagram keeps the time it was
/// queued (monotonic ns), so the worker can tell how long it waited (issue 17: a query
/// that waited past its budget is shed, not answered into the void).
public final class ShardQueue: @unchecked Sendable {
    public let capacity: Int
    public let slotSize: Int
    private let payloads: UnsafeMutableRawPointer
    private let lengths: UnsafeMutablePointer<Int>
    private let origins: UnsafeMutablePointer<DatagramOrigin>
    private let receivedTimes: UnsafeMutablePointer<UInt64>
    /// Next slot the consumer reads; written by the consumer only.
    private let head = Atomic<Int>(0)
    /// Next slot the producer writes; written by the producer only.
    private let tail = Atomic<Int>(0)
    /// Datagrams dropped because the queue was full, or too big for a slot.
    private let dropCount = Atomic<Int>(0)

    public init(capacity: Int, slotSize: Int = 2048) {
        precondition(capacity > 0 && slotSize > 0, "a queue needs room")
        self.capacity = capacity
        self.slotSize = slotSize
        payloads = UnsafeMutableRawPointer.allocate(byteCount: capacity * slotSize, alignment: 64)
        lengths = .allocate(capacity: capacity)
        lengths.initialize(repeating: 0, count: capacity)
        origins = .allocate(capacity: capacity)
        origins.initialize(
            repeating: DatagramOrigin(
                source: .unspecified, sourcePort: 0, destination: .unspecified, interfaceIndex: 0, socketIndex: 0),
            count: capacity)
        receivedTimes = .allocate(capacity: capacity)
        receivedTimes.initialize(repeating: 0, count: capacity)
    }

    deinit {
        receivedTimes.deallocate()
        payloads.deallocate()
        lengths.deallocate()
        origins.deinitialize(count: capacity)
        origins.deallocate()
    }

    /// Producer side: copies `payload` in, received at `received` (monotonic ns). False (and
    /// counted) when full or too large.
    public func enqueue(
        _ payload: UnsafeRawBufferPointer, origin: DatagramOrigin,
        received: UInt64 = SystemClock.monotonicNanoseconds()
    ) -> Bool {
        let tail = self.tail.load(ordering: .relaxed)
        guard payload.count <= slotSize, tail - head.load(ordering: .acquiring) < capacity else {
            dropCount.add(1, ordering: .relaxed)
            return false
        }
        let slot = tail % capacity
        if let base = payload.baseAddress {
            (payloads + slot * slotSize).copyMemory(from: base, byteCount: payload.count)
        }
        lengths[slot] = payload.count
        origins[slot] = origin
        receivedTimes[slot] = received
        self.tail.store(tail + 1, ordering: .releasing)
        return true
    }

    /// Consumer side: hands up to `limit` datagrams to `body`, oldest first, then
    /// frees their slots. The payload view is valid only during the call.
    @discardableResult
    public func drain(limit: Int, _ body: (UnsafeRawBufferPointer, DatagramOrigin) -> Void) -> Int {
        drain(limit: limit) { payload, origin, _ in body(payload, origin) }
    }

    /// ``drain(limit:_:)`` with each datagram's receive time (monotonic ns).
    @discardableResult
    public func drain(limit: Int, _ body: (UnsafeRawBufferPointer, DatagramOrigin, UInt64) -> Void) -> Int {
        let head = self.head.load(ordering: .relaxed)
        let available = min(limit, tail.load(ordering: .acquiring) - head)
        guard available > 0 else { return 0 }
        for index in head..<(head + available) {
            let slot = index % capacity
            body(
                UnsafeRawBufferPointer(start: payloads + slot * slotSize, count: lengths[slot]), origins[slot],
                receivedTimes[slot])
        }
        self.head.store(head + available, ordering: .releasing)
        return available
    }

    /// Datagrams waiting (a snapshot).
    public var depth: Int { tail.load(ordering: .acquiring) - head.load(ordering: .acquiring) }

    /// Datagrams dropped so far because the queue was full.
    public var drops: Int { dropCount.load(ordering: .relaxed) }
}
