import Synchronization

/// A 64-ary tree of summary bits over `leafCount` leaves, stored in a shared ``AtomicWords``
/// buffer: leaf bit `i` says "unit `i` may have a free port set of this size", and a bit at
/// level `l + 1` says "word `i` of level `l` may be non-zero".
///
/// The bits are hints: the slot words decide. The update protocol keeps them from staying
/// wrongly clear (see `Docs/PortSetPool.md`, "Hint invariants"):
/// - a setter that turns a word from 0 to non-zero also sets the parent bit;
/// - a clearer that turns a word to 0 clears the parent bit, then re-reads the word and
///   sets the parent bit again if it became non-zero in between.
/// Every update is a sequentially consistent read-modify-write, so of two racing updates
/// one always sees the other.
struct HintTree {
    /// The most levels a tree can have: 64^5 leaves exceed ``PortSetPool/maximumSlots``.
    static let maximumLevels = 6

    let leafCount: Int
    let levelCount: Int
    /// Word offset of each level in the shared buffer.
    private var offsets: InlineArray<6, Int>
    /// Words in each level.
    private var widths: InlineArray<6, Int>

    /// Lays out a tree over `leafCount` leaves starting at word `base`; `wordCount` is how
    /// many words it takes.
    init(leafCount: Int, base: Int) {
        self.leafCount = leafCount
        offsets = InlineArray(repeating: 0)
        widths = InlineArray(repeating: 0)
        var levels = 0
        var offset = base
        var entries = leafCount
        while entries > 0 {
            let words = (entries + 63) >> 6
            offsets[levels] = offset
            widths[levels] = words
            offset += words
            levels += 1
            if words == 1 { break }
            entries = words
        }
        levelCount = levels
    }

    /// Words of storage the tree uses.
    var wordCount: Int {
        var total = 0
        for level in 0..<levelCount { total += widths[level] }
        return total
    }

    /// Marks leaf `leaf` (and its ancestors) as possibly having a free set.
    func set(_ leaf: Int, in words: UnsafeMutablePointer<Atomic<UInt64>>) {
        setBit(level: 0, index: leaf, words)
    }

    /// Clears leaf `leaf`. The caller must re-check its unit afterwards and call `set` if
    /// the unit has a free set again (the clear-then-recheck half of the protocol).
    func clear(_ leaf: Int, in words: UnsafeMutablePointer<Atomic<UInt64>>) {
        clearBit(level: 0, index: leaf, words)
    }

    /// Whether leaf `leaf` is set (used by tests and the exact fallback scan).
    func isSet(_ leaf: Int, in words: UnsafeMutablePointer<Atomic<UInt64>>) -> Bool {
        words[offsets[0] + leaf >> 6].load(ordering: .sequentiallyConsistent) & (1 << UInt64(leaf & 63)) != 0
    }

    private func setBit(level: Int, index: Int, _ words: UnsafeMutablePointer<Atomic<UInt64>>) {
        var level = level
        var index = index
        while level < levelCount {
            let old = words[offsets[level] + index >> 6].bitwiseOr(
                1 << UInt64(index & 63), ordering: .sequentiallyConsistent
            ).oldValue
            if old != 0 { return }
            index >>= 6
            level += 1
        }
    }

    private func clearBit(level: Int, index: Int, _ words: UnsafeMutablePointer<Atomic<UInt64>>) {
        let position = offsets[level] + index >> 6
        let remaining = words[position].bitwiseAnd(
            ~(1 << UInt64(index & 63)), ordering: .sequentiallyConsistent
        ).newValue
        guard remaining == 0, level + 1 < levelCount else { return }
        clearBit(level: level + 1, index: index >> 6, words)
        if words[position].load(ordering: .sequentiallyConsistent) != 0 {
            setBit(level: level + 1, index: index >> 6, words)
        }
    }

    /// The first set leaf at or after `start`, or nil. Stale ancestor bits (a set bit over
    /// an all-zero word) are skipped, not trusted.
    func next(from start: Int, in words: UnsafeMutablePointer<Atomic<UInt64>>) -> Int? {
        var start = start
        search: while start < leafCount {
            var level = 0
            var index = start
            while true {
                let wordIndex = index >> 6
                if wordIndex >= widths[level] { return nil }
                let bits =
                    words[offsets[level] + wordIndex].load(ordering: .sequentiallyConsistent)
                    & (UInt64.max << UInt64(index & 63))
                if bits != 0 {
                    index = wordIndex << 6 | bits.trailingZeroBitCount
                    break
                }
                if level + 1 >= levelCount { return nil }
                index = wordIndex + 1
                level += 1
            }
            while level > 0 {
                level -= 1
                let bits = words[offsets[level] + index].load(ordering: .sequentiallyConsistent)
                if bits == 0 {
                    start = (index + 1) << (6 * (level + 1))
                    continue search
                }
                index = index << 6 | bits.trailingZeroBitCount
            }
            return index < leafCount ? index : nil
        }
        return nil
    }
}
