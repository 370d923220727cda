/// Bit arithmetic on one 64-slot word of the pool (1 = taken, 0 = free).
///
/// A port set of `2^j` slots (`j` in `0...6`) is an aligned run: it starts at a multiple
/// of `2^j`, so it never straddles a word and never straddles an address.
enum SlotBits {
    /// `alignment(j)` has a 1 at every bit position that is a multiple of `2^j`.
    @inline(__always)
    static func alignment(_ j: Int) -> UInt64 {
        switch j {
        case 0: UInt64.max
        case 1: 0x5555_5555_5555_5555
        case 2: 0x1111_1111_1111_1111
        case 3: 0x0101_0101_0101_0101
        case 4: 0x0001_0001_0001_0001
        case 5: 0x0000_0001_0000_0001
        default: 1
        }
    }

    /// The mask of a run of `2^j` slots starting at bit 0.
    @inline(__always)
    static func runMask(_ j: Int) -> UInt64 {
        j >= 6 ? UInt64.max : (1 << (UInt64(1) << UInt64(j))) &- 1
    }

    /// Given the starts of the free aligned runs of `2^(j-1)` slots, the starts of the
    /// free aligned runs of `2^j` slots: a run is free when both of its halves are.
    @inline(__always)
    static func doubled(_ runs: UInt64, to j: Int) -> UInt64 {
        runs & (runs >> (UInt64(1) << UInt64(j - 1))) & alignment(j)
    }

    /// A 1 at the first slot of every free aligned run of `2^j` slots in `word`.
    @inline(__always)
    static func freeRuns(_ word: UInt64, _ j: Int) -> UInt64 {
        var runs = ~word
        var level = 0
        while level < j {
            level += 1
            runs = doubled(runs, to: level)
        }
        return runs
    }

    /// The start of the free run to take from `runs` (non-zero): the first one at or after
    /// bit `rotation`, wrapping to the lowest.
    @inline(__always)
    static func pick(_ runs: UInt64, rotation: Int) -> Int {
        let later = runs & (UInt64.max << UInt64(rotation & 63))
        return (later != 0 ? later : runs).trailingZeroBitCount
    }
}
