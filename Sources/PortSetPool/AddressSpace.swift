/// The pool's IPv4 ranges flattened into dense indexes `0 ..< count`, so slot words can
/// be laid out back to back whatever the ranges look like.
///
/// Built once; lookups are binary searches over the (few) ranges and never allocate.
struct AddressSpace: Sendable {
    /// Range bounds sorted by first address.
    private let lows: [UInt32]
    private let highs: [UInt32]
    /// Dense index of each range's first address.
    private let firstIndexes: [Int]
    /// Number of addresses in all ranges.
    let count: Int

    init(_ ranges: [ClosedRange<UInt32>]) throws(PoolError) {
        guard !ranges.isEmpty else { throw .noAddresses }
        let sorted = ranges.sorted { $0.lowerBound < $1.lowerBound }
        var total = 0
        var firsts: [Int] = []
        for (position, range) in sorted.enumerated() {
            if position > 0, sorted[position - 1].upperBound >= range.lowerBound {
                throw .overlappingAddressRanges(sorted[position - 1], range)
            }
            firsts.append(total)
            total += Int(range.upperBound - range.lowerBound) + 1
        }
        lows = sorted.map(\.lowerBound)
        highs = sorted.map(\.upperBound)
        firstIndexes = firsts
        count = total
    }

    /// The dense index of `address`, or nil when it is in none of the ranges.
    func index(of address: UInt32) -> Int? {
        var low = 0
        var high = lows.count
        while low < high {
            let middle = (low + high) >> 1
            if lows[middle] <= address { low = middle + 1 } else { high = middle }
        }
        guard low > 0, address <= highs[low - 1] else { return nil }
        return firstIndexes[low - 1] + Int(address - lows[low - 1])
    }

    /// The address at dense index `index` (`0 ..< count`).
    func address(at index: Int) -> UInt32 {
        var low = 0
        var high = firstIndexes.count
        while low < high {
            let middle = (low + high) >> 1
            if firstIndexes[middle] <= index { low = middle + 1 } else { high = middle }
        }
        return lows[low - 1] + UInt32(index - firstIndexes[low - 1])
    }
}
