import PortLeaseTestSupport
import Testing

@testable import PortSetPool

/// An obviously correct pool: one owner entry per slot, linear scans for everything.
struct ReferencePool {
    static let free = -1
    static let reserved = -2
    let maximumLength: Int
    let addresses: Int
    var owner: [Int]
    var live: [AllocatedPortSet: Int] = [:]
    var nextID = 0

    init(offset: Int, maximumLength: Int, addresses: Int, reservedPorts: [ClosedRange<Int>]) throws {
        self.maximumLength = maximumLength
        self.addresses = addresses
        let layout = try PSIDLayout(offset: offset, length: maximumLength)
        let template = try (0..<layout.psidCount).map { psid in
            let ports = try layout.portSet(psid: psid)
            return reservedPorts.contains { ports.overlaps($0) } ? Self.reserved : Self.free
        }
        owner = Array((0..<addresses).map { _ in template }.joined())
    }

    func slots(_ index: Int, _ psid: Int, _ length: Int) -> Range<Int> {
        let shift = maximumLength - length
        let first = index << maximumLength + psid << shift
        return first..<(first + (1 << shift))
    }

    func touchesReserved(_ index: Int, _ psid: Int, _ length: Int) -> Bool {
        slots(index, psid, length).contains { owner[$0] == Self.reserved }
    }

    func isFree(_ index: Int, _ psid: Int, _ length: Int) -> Bool {
        slots(index, psid, length).allSatisfy { owner[$0] == Self.free }
    }

    func freeCount(_ length: Int) -> Int {
        var count = 0
        for index in 0..<addresses {
            for psid in 0..<(1 << length) where isFree(index, psid, length) { count += 1 }
        }
        return count
    }

    mutating func take(_ set: AllocatedPortSet, index: Int) {
        nextID += 1
        for slot in slots(index, set.psid, set.psidLength) { owner[slot] = nextID }
        live[set] = nextID
    }

    mutating func give(_ set: AllocatedPortSet, index: Int) {
        for slot in slots(index, set.psid, set.psidLength) { owner[slot] = Self.free }
        live[set] = nil
    }
}

@Suite struct PortSetPoolModelTests {
    static let base: UInt32 = 0xC000_0200

    /// Random allocate / claim / release sequences of mixed sizes, checked step by step: same
    /// answers, same "full", same errors, same free and used counts.
    @Test(arguments: [
        (0, 0...4, 5, 2, false),
        (6, 0...6, 3, 3, false),
        (4, 0...8, 3, 2, false),
        (2, 1...3, 40, 2, true),
        (5, 0...6, 4, 4, true),
        (3, 0...7, 2, 2, true),
    ])
    func matchesReferenceModel(offset: Int, lengths: ClosedRange<Int>, addresses: Int, partitions: Int, random: Bool)
        throws
    {
        let reserved = [0...1023, 40000...40100]
        let pool = try PortSetPool(
            PoolConfiguration(
                addressRanges: [Self.base...(Self.base + UInt32(addresses) - 1)],
                psidOffset: offset,
                maximumPSIDLength: lengths.upperBound,
                minimumPSIDLength: lengths.lowerBound,
                reservedPorts: reserved,
                partitionCount: partitions,
                searchOrder: random ? .random(seed: 5) : .sequential
            )
        )
        var model = try ReferencePool(
            offset: offset, maximumLength: lengths.upperBound, addresses: addresses, reservedPorts: reserved
        )
        var generator = SplitMix(seed: UInt64(offset * 100 + addresses))
        let offered = pool.offeredLengths
        for step in 0..<3000 {
            let length = offered.randomElement(using: &generator)!
            switch generator.next() % 10 {
            case 0...3:
                let partition = Int(generator.next() % UInt64(partitions))
                let anyFree = (0..<addresses).contains { index in
                    (0..<(1 << length)).contains { model.isFree(index, $0, length) }
                }
                let result = try pool.allocate(from: partition, psidLength: length)
                #expect((result != nil) == anyFree, "step \(step): allocate k=\(length)")
                if let result {
                    let index = Int(result.address - Self.base)
                    #expect(result.psidLength == length)
                    #expect(model.isFree(index, result.psid, length), "step \(step): \(result) not free")
                    model.take(result, index: index)
                }
            case 4...5:
                let index = Int(generator.next() % UInt64(addresses))
                let psid = Int(generator.next() % UInt64(1 << length))
                let set = AllocatedPortSet(address: Self.base + UInt32(index), psid: psid, psidLength: length)
                if model.touchesReserved(index, psid, length) {
                    #expect(throws: PoolError.reservedPortSet(address: set.address, psid: psid, length: length)) {
                        try pool.claim(set)
                    }
                } else {
                    let expected = model.isFree(index, psid, length)
                    #expect(try pool.claim(set) == expected, "step \(step): claim \(set)")
                    if expected { model.take(set, index: index) }
                }
            case 6...8:
                guard let set = model.live.keys.randomElement(using: &generator) else { continue }
                try pool.release(set)
                model.give(set, index: Int(set.address - Self.base))
            default:
                let index = Int(generator.next() % UInt64(addresses))
                let psid = Int(generator.next() % UInt64(1 << length))
                let set = AllocatedPortSet(address: Self.base + UInt32(index), psid: psid, psidLength: length)
                if model.live[set] != nil {
                    try pool.release(set)
                    model.give(set, index: index)
                } else if model.touchesReserved(index, psid, length) {
                    #expect(throws: PoolError.reservedPortSet(address: set.address, psid: psid, length: length)) {
                        try pool.release(set)
                    }
                } else {
                    #expect(throws: PoolError.notAllocated(address: set.address, psid: psid, length: length)) {
                        try pool.release(set)
                    }
                }
            }
            if step % 7 == 0 {
                for length in offered {
                    #expect(
                        try pool.freePortSets(psidLength: length) == model.freeCount(length), "step \(step) k=\(length)"
                    )
                    #expect(
                        try pool.usedPortSets(psidLength: length)
                            == model.live.keys.filter { $0.psidLength == length }.count)
                }
            }
        }
    }
}
