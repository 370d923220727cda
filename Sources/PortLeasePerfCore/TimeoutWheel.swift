/// The subscribers waiting for a reply, by deadline: a timing wheel of 2^17 slots, each an
/// intrusive list threaded through `SubscriberState.previous/next`, so nothing allocates.
///
/// With one fixed timeout a list in send order would do; RFC 2131 backoff gives every query
/// its own timeout (4 s doubling to 64 s, each randomised by ±1 s), so deadlines come in no
/// order. A slot holds the subscribers whose deadline falls in its tick (`resolution` ns);
/// ``expire(now:_:)`` visits the slots from the last tick it finished up to now and hands over
/// each subscriber whose deadline has come. The wheel spans 2^17 ticks: the longest timeout
/// must fit (``init(states:longestTimeout:)`` picks the resolution so it does), and an entry
/// met a revolution early is left in place.
final class TimeoutWheel {
    private static let slotCount = 1 << 17
    private let states: UnsafeMutableBufferPointer<SubscriberState>
    private let heads: UnsafeMutableBufferPointer<Int32>
    let resolution: UInt64
    /// The first tick not yet fully visited (nil until the first entry).
    private var cursor: UInt64?
    /// Entries in the wheel.
    private(set) var count = 0

    init(states: UnsafeMutableBufferPointer<SubscriberState>, longestTimeout: UInt64) {
        self.states = states
        heads = .allocate(capacity: Self.slotCount)
        heads.initialize(repeating: -1)
        // Half the wheel covers the longest timeout.
        resolution = max(1, longestTimeout / UInt64(Self.slotCount / 2) + 1)
    }

    deinit {
        heads.deallocate()
    }

    private func slot(_ deadline: UInt64) -> Int { Int((deadline / resolution) & UInt64(Self.slotCount - 1)) }

    /// Adds `index` (not in the wheel) with its deadline.
    func insert(_ index: Int, deadline: UInt64, now: UInt64) {
        if cursor == nil { cursor = now / resolution }
        states[index].deadline = deadline
        states[index].inWheel = true
        let slot = slot(deadline)
        states[index].previous = -1
        states[index].next = heads[slot]
        if heads[slot] >= 0 { states[Int(heads[slot])].previous = Int32(index) }
        heads[slot] = Int32(index)
        count += 1
    }

    /// Takes `index` out of the wheel (nothing when it is not in it).
    func remove(_ index: Int) {
        guard states[index].inWheel else { return }
        let previous = states[index].previous
        let next = states[index].next
        if previous >= 0 { states[Int(previous)].next = next } else { heads[slot(states[index].deadline)] = next }
        if next >= 0 { states[Int(next)].previous = previous }
        states[index].previous = -1
        states[index].next = -1
        states[index].inWheel = false
        count -= 1
    }

    /// Hands every subscriber whose deadline is at or before `now` to `body`, out of the
    /// wheel (it may insert it again, with a later deadline).
    func expire(now: UInt64, _ body: (Int) -> Void) {
        guard var tick = cursor else { return }
        let last = now / resolution
        // After a long pause every slot is visited once.
        if last > tick + UInt64(Self.slotCount) { tick = last - UInt64(Self.slotCount) }
        while tick <= last && count > 0 {
            let slot = Int(tick & UInt64(Self.slotCount - 1))
            var index = heads[slot]
            while index >= 0 {
                let next = states[Int(index)].next
                if states[Int(index)].deadline <= now {
                    remove(Int(index))
                    body(Int(index))
                }
                index = next
            }
            if tick == last { break }
            tick += 1
        }
        cursor = count > 0 ? min(tick, last) : nil
    }
}
