import Testing

@testable import PortSetPool

@Suite struct SlotBitsTests {
    /// Free runs computed by folding agree with a slot-by-slot check on random words.
    @Test func freeRunsMatchNaiveScan() {
        var generator = SplitMix(seed: 7)
        for _ in 0..<2000 {
            let word = generator.next() & generator.next()
            for log2 in 0...6 {
                let size = 1 << log2
                var naive: UInt64 = 0
                for start in stride(from: 0, to: 64, by: size) where (start..<start + size).allSatisfy({ word >> UInt64($0) & 1 == 0 }) {
                    naive |= 1 << UInt64(start)
                }
                #expect(SlotBits.freeRuns(word, log2) == naive)
            }
        }
        #expect(SlotBits.freeRuns(0, 6) == 1)
        #expect(SlotBits.runMask(6) == UInt64.max)
        #expect(SlotBits.runMask(2) == 0xF)
    }

    @Test func pickRotatesThenWraps() {
        let runs: UInt64 = 1 << 4 | 1 << 40
        #expect(SlotBits.pick(runs, rotation: 0) == 4)
        #expect(SlotBits.pick(runs, rotation: 5) == 40)
        #expect(SlotBits.pick(runs, rotation: 41) == 4)
    }
}

/// A small deterministic generator so test failures reproduce.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
