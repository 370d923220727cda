/// The memory a shard worker writes its replies in, and sends them from: fixed slots, each
/// a whole reply datagram, written once (the engine writes its DHCPv4 message in place
/// inside the Relay-reply headers) and handed to the send ring by address, never copied.
///
/// A slot is in one of three states:
/// - **free**: ``nextSlot()`` offers one to write the next reply into;
/// - **held**: a reply that grants or extends a lease, waiting for the log sequence number
///   its records end at to be committed (``keep(length:origin:)``, ``tag(_:)``); held
///   replies leave in the order they were decided (``release(through:_:)``);
/// - **lent**: handed to the send ring (an OFFER or NAK at once with ``lend(length:)``, a
///   held reply on release), and free again only after the ring's flush has returned
///   (``flushed()``), because the kernel reads the bytes until then.
///
/// With the pipelined commit a worker holds the replies of the batch being synced and of
/// the batches decided since, and lends a batch's worth before it flushes: the worker
/// keeps ``room`` at a batch or more before it takes one (it waits for the sync in flight,
/// or flushes, until it is). Memory is allocated once; the worker's thread owns it.
final class ReplyArena {
    static let slotSize = 2048

    let capacity: Int
    private let storage: UnsafeMutableRawPointer
    private let lengths: UnsafeMutablePointer<Int>
    private let origins: UnsafeMutablePointer<DatagramOrigin>
    private let needs: UnsafeMutablePointer<UInt64>
    /// Free slots, used as a stack (the most recently freed is the warmest in cache).
    private let free: UnsafeMutablePointer<Int>
    private var freeCount: Int
    /// Held slots in decision order: a ring of slot numbers.
    private let held: UnsafeMutablePointer<Int>
    private var heldHead = 0
    /// Held replies, and how many of the newest have no sequence number yet.
    private(set) var count = 0
    private var untagged = 0
    /// Slots handed to the send ring since its last flush.
    private let lent: UnsafeMutablePointer<Int>
    private(set) var lentCount = 0

    init(capacity: Int) {
        precondition(capacity > 0, "an arena needs room")
        self.capacity = capacity
        storage = .allocate(byteCount: Self.slotSize * capacity, alignment: 64)
        lengths = .allocate(capacity: capacity)
        lengths.initialize(repeating: 0, count: capacity)
        origins = .allocate(capacity: capacity)
        origins.initialize(repeating: DatagramOrigin.unspecified, count: capacity)
        needs = .allocate(capacity: capacity)
        needs.initialize(repeating: 0, count: capacity)
        free = .allocate(capacity: capacity)
        for slot in 0..<capacity { (free + slot).initialize(to: capacity - 1 - slot) }
        freeCount = capacity
        held = .allocate(capacity: capacity)
        held.initialize(repeating: 0, count: capacity)
        lent = .allocate(capacity: capacity)
        lent.initialize(repeating: 0, count: capacity)
    }

    deinit {
        storage.deallocate()
        lengths.deallocate()
        origins.deinitialize(count: capacity)
        origins.deallocate()
        needs.deallocate()
        free.deallocate()
        held.deallocate()
        lent.deallocate()
    }

    /// Free slots.
    var room: Int { freeCount }

    /// The next free slot's memory, to write a reply into; nil when none is free. It stays
    /// free until ``keep(length:origin:)`` or ``lend(length:)`` takes it.
    func nextSlot() -> UnsafeMutableRawBufferPointer? {
        guard freeCount > 0 else { return nil }
        return UnsafeMutableRawBufferPointer(start: storage + free[freeCount - 1] * Self.slotSize, count: Self.slotSize)
    }

    /// Holds the reply just written into ``nextSlot()``: `length` bytes for `origin`, until
    /// its batch's records are committed.
    func keep(length: Int, origin: DatagramOrigin) {
        precondition(freeCount > 0, "keep without a slot")
        freeCount -= 1
        let slot = free[freeCount]
        lengths[slot] = length
        origins[slot] = origin
        needs[slot] = .max
        held[(heldHead + count) % capacity] = slot
        count += 1
        untagged += 1
    }

    /// Lends the reply just written into ``nextSlot()`` (`length` bytes) to the send ring at
    /// once: the returned bytes stay valid until ``flushed()``.
    func lend(length: Int) -> UnsafeRawBufferPointer {
        precondition(freeCount > 0, "lend without a slot")
        freeCount -= 1
        let slot = free[freeCount]
        lent[lentCount] = slot
        lentCount += 1
        return UnsafeRawBufferPointer(start: storage + slot * Self.slotSize, count: length)
    }

    /// Gives the replies kept since the last call the sequence number their batch's records end at.
    func tag(_ sequence: UInt64) {
        for offset in (count - untagged)..<count { needs[held[(heldHead + offset) % capacity]] = sequence }
        untagged = 0
    }

    /// Hands `send` every held reply, oldest first, whose records are committed (`needs` at
    /// or below `committed`), lending its slot until ``flushed()``; returns how many left.
    @discardableResult
    func release(through committed: UInt64, _ send: (UnsafeRawBufferPointer, DatagramOrigin) -> Void) -> Int {
        var released = 0
        while count > untagged && needs[held[heldHead]] <= committed {
            let slot = held[heldHead]
            lent[lentCount] = slot
            lentCount += 1
            heldHead = (heldHead + 1) % capacity
            count -= 1
            released += 1
            send(UnsafeRawBufferPointer(start: storage + slot * Self.slotSize, count: lengths[slot]), origins[slot])
        }
        return released
    }

    /// The send ring has flushed: every lent slot is free again.
    func flushed() {
        for index in 0..<lentCount {
            free[freeCount] = lent[index]
            freeCount += 1
        }
        lentCount = 0
    }

    /// Drops the newest held replies whose records were not written (`needs` above
    /// `written`), and the untagged ones; frees their slots and returns how many.
    @discardableResult
    func dropUnwritten(after written: UInt64) -> Int {
        var dropped = 0
        while count > 0 {
            let slot = held[(heldHead + count - 1) % capacity]
            guard needs[slot] > written else { break }
            free[freeCount] = slot
            freeCount += 1
            count -= 1
            dropped += 1
        }
        untagged = 0
        return dropped
    }
}
