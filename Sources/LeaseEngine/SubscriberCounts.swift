/// Current bindings per subscriber, for RFC 7618 section 10's limit: an
/// open-addressing table from a subscriber key (a nonzero 64-bit hash, see
/// ``LeaseEngine/subscriber(of:)``) to its count.
///
/// Keys and counts sit in two flat arrays (8 + 1 bytes a slot), so reserved for n
/// subscribers the table costs about 11 bytes each where a `[UInt64: Int32]`
/// costs about 20 once grown. A count of 255 or more (the limit may be up to
/// 65,535, but few subscribers hold that many bindings) is kept in a Dictionary
/// beside it. A subscriber whose count falls to zero is removed
/// (backward-shift, see ``OpenAddressing``), so the table holds only subscribers
/// with a binding.
struct SubscriberCounts {
    /// 0: empty.
    private var keys: [UInt64] = []
    private var counts: [UInt8] = []
    /// Counts of ``spilled`` and above, by subscriber.
    private var large: [UInt64: Int] = [:]
    /// A slot's count that means "see ``large``".
    private static let spilled: UInt8 = 255
    /// Subscribers with at least one binding.
    private(set) var count = 0

    /// The bindings `subscriber` holds.
    subscript(subscriber: UInt64) -> Int {
        position(of: subscriber).map { count(at: $0, subscriber) } ?? 0
    }

    /// Adds `delta` (+1 or -1) to `subscriber`'s count; a count that would go below
    /// zero stays at zero (a subscriber unknown here has nothing to give back).
    mutating func add(_ delta: Int, to subscriber: UInt64) {
        precondition(subscriber != 0, "0 is the empty slot")
        if let position = position(of: subscriber) {
            set(count(at: position, subscriber) + delta, at: position, subscriber)
        } else if delta > 0 {
            if !OpenAddressing.fits(count + 1, in: keys.count) {
                resize(OpenAddressing.slots(for: max(count + 1, 2 * count)))
            }
            count += 1
            set(delta, at: place(subscriber), subscriber)
        }
    }

    private func count(at position: Int, _ subscriber: UInt64) -> Int {
        counts[position] == Self.spilled ? large[subscriber, default: Int(Self.spilled)] : Int(counts[position])
    }

    private mutating func set(_ value: Int, at position: Int, _ subscriber: UInt64) {
        if counts[position] == Self.spilled { large[subscriber] = nil }
        if value <= 0 {
            remove(at: position)
        } else if value >= Int(Self.spilled) {
            counts[position] = Self.spilled
            large[subscriber] = value
        } else {
            counts[position] = UInt8(value)
        }
    }

    /// Makes room for `capacity` subscribers without growing.
    mutating func reserveCapacity(_ capacity: Int) {
        let size = OpenAddressing.slots(for: capacity)
        if size > keys.count { resize(size) }
    }

    private func position(of subscriber: UInt64) -> Int? {
        guard count > 0 else { return nil }
        var position = OpenAddressing.home(Self.hash(subscriber), capacity: keys.count)
        while true {
            let key = keys[position]
            if key == subscriber { return position }
            if key == 0 { return nil }
            position = OpenAddressing.next(position, capacity: keys.count)
        }
    }

    private mutating func remove(at position: Int) {
        let capacity = keys.count
        OpenAddressing.remove(
            at: position, capacity: capacity,
            home: { keys[$0] == 0 ? nil : OpenAddressing.home(Self.hash(keys[$0]), capacity: capacity) },
            move: { from, to in
                keys[to] = keys[from]
                counts[to] = counts[from]
            },
            clear: {
                keys[$0] = 0
                counts[$0] = 0
            })
        count -= 1
    }

    private mutating func resize(_ size: Int) {
        let oldKeys = keys
        let oldCounts = counts
        keys = [UInt64](repeating: 0, count: size)
        counts = [UInt8](repeating: 0, count: size)
        for (key, value) in zip(oldKeys, oldCounts) where key != 0 {
            counts[place(key)] = value
        }
    }

    /// Puts `key` in the first free slot of its probe run; returns the slot.
    private mutating func place(_ key: UInt64) -> Int {
        var position = OpenAddressing.home(Self.hash(key), capacity: keys.count)
        while keys[position] != 0 { position = OpenAddressing.next(position, capacity: keys.count) }
        keys[position] = key
        return position
    }

    /// Subscriber keys are already hashes; their high half, remixed, spreads them
    /// even if a policy's hash is weak in some bits.
    private static func hash(_ key: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: IDIndex.mix(key) >> 32)
    }
}
