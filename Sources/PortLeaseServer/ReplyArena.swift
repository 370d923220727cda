/// The replies a shard worker holds until the records they depend on are durable: a FIFO
/// of fixed slots, each a whole reply datagram, its destination and the log sequence number
/// that must be committed before it may leave.
///
/// With the pipelined commit a worker has the replies of the batch being synced and those
/// of the batches decided since, so the arena has room for two batches; the worker waits for
/// the sync in flight before it takes a batch that might not fit. Replies leave in the order
/// they were decided. Memory is allocated once; the worker's thread owns it.
final class ReplyArena {
    static let slotSize = 2048

    let capacity: Int
    private let storage: UnsafeMutableRawBufferPointer
    private var lengths: [Int]
    private var origins: [DatagramOrigin]
    private var needs: [UInt64]
    /// The oldest reply's slot, and how many are held.
    private var head = 0
    private(set) var count = 0
    /// Replies reserved or held that have no sequence number yet (the batch being decided).
    private var untagged = 0

    init(capacity: Int) {
        self.capacity = capacity
        storage = .allocate(byteCount: Self.slotSize * capacity, alignment: 16)
        lengths = Array(repeating: 0, count: capacity)
        origins = Array(
            repeating: DatagramOrigin(
                source: .unspecified, sourcePort: 0, destination: .unspecified, interfaceIndex: 0, socketIndex: 0),
            count: capacity)
        needs = Array(repeating: 0, count: capacity)
    }

    deinit {
        storage.deallocate()
    }

    /// Free slots.
    var room: Int { capacity - count }

    /// The next free slot's memory, to write a reply into; nil when the arena is full.
    func nextSlot() -> UnsafeMutableRawBufferPointer? {
        guard count < capacity else { return nil }
        let slot = (head + count) % capacity
        return UnsafeMutableRawBufferPointer(rebasing: storage[(slot * Self.slotSize)..<((slot + 1) * Self.slotSize)])
    }

    /// Keeps the reply just written into ``nextSlot()``: `length` bytes for `origin`.
    func keep(length: Int, origin: DatagramOrigin) {
        let slot = (head + count) % capacity
        lengths[slot] = length
        origins[slot] = origin
        needs[slot] = .max
        count += 1
        untagged += 1
    }

    /// Gives the replies kept since the last call the sequence number their batch's records end at.
    func tag(_ sequence: UInt64) {
        for offset in (count - untagged)..<count { needs[(head + offset) % capacity] = sequence }
        untagged = 0
    }

    /// Hands `send` every reply, oldest first, whose records are committed (`needs` at or
    /// below `committed`); returns how many left.
    @discardableResult
    func release(through committed: UInt64, _ send: (UnsafeRawBufferPointer, DatagramOrigin) -> Void) -> Int {
        var released = 0
        while count > untagged && needs[head] <= committed {
            send(
                UnsafeRawBufferPointer(start: storage.baseAddress! + head * Self.slotSize, count: lengths[head]),
                origins[head])
            head = (head + 1) % capacity
            count -= 1
            released += 1
        }
        return released
    }

    /// Drops the newest replies whose records were not written (`needs` above `written`),
    /// and the untagged ones; returns how many.
    @discardableResult
    func dropUnwritten(after written: UInt64) -> Int {
        var dropped = 0
        while count > 0 {
            let last = (head + count - 1) % capacity
            guard needs[last] > written else { break }
            count -= 1
            dropped += 1
        }
        untagged = 0
        return dropped
    }
}
