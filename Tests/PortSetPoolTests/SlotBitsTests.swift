import PortLeaseTestSupport
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
                for start in stride(from: 0, to: 64, by: size)
                where (start..<start + size).allSatisfy({ word >> UInt64($0) & 1 == 0 }) {
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
