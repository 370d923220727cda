/// A first-in first-out ring of subscriber indices with room for every subscriber, allocated
/// once: the idle subscribers, and those whose exchange failed and will start over. The owner
/// calls ``deallocate()``.
struct SubscriberRing {
    private let slots: UnsafeMutableBufferPointer<Int32>
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) {
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: 0)
    }

    func deallocate() {
        slots.deallocate()
    }

    /// Adds `index` at the back (a subscriber is in it at most once, so it never overflows).
    mutating func push(_ index: Int) {
        precondition(count < slots.count, "a subscriber ring holds each subscriber at most once")
        slots[(head + count) % slots.count] = Int32(index)
        count += 1
    }

    /// Takes the index at the front.
    mutating func pop() -> Int? {
        guard count > 0 else { return nil }
        let index = Int(slots[head])
        head = (head + 1) % slots.count
        count -= 1
        return index
    }

    mutating func removeAll() {
        head = 0
        count = 0
    }
}
