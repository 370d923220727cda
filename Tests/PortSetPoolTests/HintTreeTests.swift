import PortLeaseTestSupport
import Testing

@testable import PortSetPool

@Suite struct HintTreeTests {
    @Test(arguments: [1, 63, 64, 65, 4096, 4097, 300_000])
    func nextFindsExactlyTheSetLeaves(leafCount: Int) {
        let tree = HintTree(leafCount: leafCount, base: 3)
        let words = AtomicWords(count: tree.wordCount + 3)
        var generator = SplitMix(seed: UInt64(leafCount))
        var reference = Set<Int>()
        for _ in 0..<200 {
            let leaf = Int(generator.next() % UInt64(leafCount))
            if generator.next() & 1 == 0 {
                tree.set(leaf, in: words.base)
                reference.insert(leaf)
            } else {
                tree.clear(leaf, in: words.base)
                reference.remove(leaf)
            }
            let start = Int(generator.next() % UInt64(leafCount))
            #expect(tree.next(from: start, in: words.base) == reference.filter { $0 >= start }.min())
            #expect(tree.isSet(leaf, in: words.base) == reference.contains(leaf))
        }
        for leaf in reference { tree.clear(leaf, in: words.base) }
        #expect(tree.next(from: 0, in: words.base) == nil)
        for index in 0..<(tree.wordCount + 3) { #expect(words.base[index].load(ordering: .relaxed) == 0) }
    }

    @Test func staleAncestorBitsAreSkipped() {
        let tree = HintTree(leafCount: 10_000, base: 0)
        let words = AtomicWords(count: tree.wordCount)
        tree.set(9000, in: words.base)
        // Levels: 157 leaf words at 0, 3 words at 157, the top word at 160. Make the top
        // point at level-1 word 0, and that word point at the all-zero leaf word 5.
        #expect(tree.wordCount == 161)
        words.base[157].bitwiseOr(1 << 5, ordering: .relaxed)
        words.base[160].bitwiseOr(1, ordering: .relaxed)
        #expect(tree.next(from: 0, in: words.base) == 9000)
    }
}
