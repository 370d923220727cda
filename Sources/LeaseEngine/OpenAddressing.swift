/// The arithmetic shared by the engine's open-addressing tables (``IDIndex`` and
/// ``SubscriberCounts``): linear probing over a table of any size (not only powers
/// of two, so a table reserved for n keys is n / 0.8 slots, not up to twice that),
/// at most 4/5 full, with backward-shift deletion (no tombstones, so a table that
/// churns keys never degrades or needs rebuilding).
enum OpenAddressing {
    /// Grow before more than 4/5 of the slots are used: a miss then probes about 13
    /// slots on average, two cache lines of 8-byte slots.
    static func slots(for count: Int) -> Int {
        max(16, (count * 5 + 3) / 4)
    }

    /// Whether `count` keys fit in `capacity` slots.
    static func fits(_ count: Int, in capacity: Int) -> Bool {
        count * 5 <= capacity * 4
    }

    /// The first slot probed for `hash` in a table of `capacity` slots: the hash
    /// scaled to the table (Lemire's multiply-shift), using the hash's high bits.
    @inline(__always)
    static func home(_ hash: UInt32, capacity: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(hash) &* UInt64(capacity)) >> 32)
    }

    /// The slot after `position`, wrapping.
    @inline(__always)
    static func next(_ position: Int, capacity: Int) -> Int {
        position + 1 == capacity ? 0 : position + 1
    }

    /// Backward-shift deletion: empties `position` and moves each later key of its
    /// probe run back into the hole when the hole lies on that key's probe path
    /// (from its home up to where it is), so every key stays reachable. `home`
    /// gives the home of the key at a slot, nil for an empty slot; `move` moves a
    /// key between slots; `clear` empties one.
    @inline(__always)
    static func remove(
        at position: Int, capacity: Int, home: (Int) -> Int?, move: (_ from: Int, _ to: Int) -> Void,
        clear: (Int) -> Void
    ) {
        var hole = position
        var next = position
        while true {
            next = Self.next(next, capacity: capacity)
            guard let home = home(next) else { break }
            if distance(from: home, to: next, capacity) >= distance(from: hole, to: next, capacity) {
                move(next, hole)
                hole = next
            }
        }
        clear(hole)
    }

    @inline(__always)
    private static func distance(from start: Int, to end: Int, _ capacity: Int) -> Int {
        end >= start ? end - start : end + capacity - start
    }
}
