import Dispatch
import Foundation
import PortLeaseTestSupport
import Synchronization
import Testing

@testable import PortSetPool

/// Multiplies the iteration counts: `PORTSETPOOL_STRESS=50 swift test --filter Concurrency`
/// runs the same tests fifty times longer to hunt rare interleavings. The default keeps the
/// suite under a few seconds.
let stressScale = ProcessInfo.processInfo.environment["PORTSETPOOL_STRESS"].flatMap { Int($0) } ?? 1

@Suite struct PortSetPoolConcurrencyTests {
    /// Several threads allocate, claim and release mixed sizes at random while a per-slot
    /// owner record (one atomic per slot, taken by compare-exchange) catches any slot handed
    /// to two holders at once. At the end everything is released: nothing may be lost.
    @Test(arguments: [(6, 4...6, 256, 4, false), (6, 0...6, 64, 2, true), (4, 0...8, 32, 2, false)])
    func threadsNeverShareASlot(offset: Int, lengths: ClosedRange<Int>, addresses: Int, partitions: Int, random: Bool)
        throws
    {
        let base: UInt32 = 0x0A00_0000
        let pool = try PortSetPool(
            PoolConfiguration(
                addressRanges: [base...(base + UInt32(addresses) - 1)],
                psidOffset: offset,
                maximumPSIDLength: lengths.upperBound,
                minimumPSIDLength: lengths.lowerBound,
                partitionCount: partitions,
                searchOrder: random ? .random(seed: 11) : .sequential
            )
        )
        let offered = pool.offeredLengths
        let initialFree = try offered.map { try pool.freePortSets(psidLength: $0) }
        let finest = lengths.upperBound
        let owners = AtomicWords(count: addresses << finest)
        let conflicts = Atomic<Int>(0)
        let threads = 4

        @Sendable func slots(of set: AllocatedPortSet) -> Range<Int> {
            let shift = finest - set.psidLength
            let first = Int(set.address - base) << finest + set.psid << shift
            return first..<(first + (1 << shift))
        }

        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            let me = UInt64(thread + 1)
            var generator = SplitMix(seed: UInt64(thread) * 7919)
            var held: [AllocatedPortSet] = []
            func own(_ set: AllocatedPortSet) {
                for slot in slots(of: set)
                where !owners.base[slot].compareExchange(expected: 0, desired: me, ordering: .relaxed).exchanged {
                    conflicts.add(1, ordering: .relaxed)
                }
                held.append(set)
            }
            for _ in 0..<(40_000 * stressScale) {
                let length = offered.randomElement(using: &generator)!
                let roll = generator.next() % 8
                if roll < 4 || held.isEmpty {
                    if let set = try? pool.allocate(from: thread % partitions, psidLength: length) { own(set) }
                } else if roll == 4 {
                    let set = AllocatedPortSet(
                        address: base + UInt32(generator.next() % UInt64(addresses)),
                        psid: Int(generator.next() % UInt64(1 << length)),
                        psidLength: length
                    )
                    if (try? pool.claim(set)) == true { own(set) }
                } else {
                    let set = held.remove(at: Int(generator.next() % UInt64(held.count)))
                    for slot in slots(of: set)
                    where !owners.base[slot].compareExchange(expected: me, desired: 0, ordering: .relaxed).exchanged {
                        conflicts.add(1, ordering: .relaxed)
                    }
                    if (try? pool.release(set)) == nil { conflicts.add(1, ordering: .relaxed) }
                }
            }
            for set in held {
                for slot in slots(of: set) { owners.base[slot].store(0, ordering: .relaxed) }
                if (try? pool.release(set)) == nil { conflicts.add(1, ordering: .relaxed) }
            }
        }

        #expect(conflicts.load(ordering: .relaxed) == 0)
        for (position, length) in offered.enumerated() {
            #expect(try pool.usedPortSets(psidLength: length) == 0)
            #expect(try pool.freePortSets(psidLength: length) == initialFree[position], "k=\(length)")
        }
        // None lost: the whole pool can be allocated again at the finest length.
        var count = 0
        while try pool.allocate(from: 0, psidLength: finest) != nil { count += 1 }
        #expect(count == initialFree[offered.firstIndex(of: finest)!])
    }

    /// While two threads claim and release sets next to it (moving hint bits in the same
    /// summary words), a checker allocates and releases the one stable free set over and
    /// over: hints may be stale, but the allocation must never report the pool full.
    @Test func stableFreeSetIsAlwaysFoundUnderChurn() throws {
        let base: UInt32 = 0x0A00_0000
        let pool = try PortSetPool(
            PoolConfiguration(addressRanges: [base...(base + 127)], minimumPSIDLength: 4, partitionCount: 2)
        )
        for address in 0..<128 {
            for psid in 0..<64 {
                _ = try pool.claim(AllocatedPortSet(address: base + UInt32(address), psid: psid, psidLength: 6))
            }
        }
        let stable = AllocatedPortSet(address: base + 5, psid: 17, psidLength: 6)
        try pool.release(stable)
        let falseFull = Atomic<Int>(0)
        let running = Atomic<Int>(2)
        DispatchQueue.concurrentPerform(iterations: 3) { thread in
            if thread < 2 {
                // Churn: free and retake sets of the addresses around the stable one.
                var generator = SplitMix(seed: UInt64(thread) + 1)
                for _ in 0..<(30_000 * stressScale) {
                    let random = generator.next()
                    let offset: UInt64 = thread == 0 ? 4 + random % 3 * 2 : 64 + random % 64
                    let psid = Int(random >> 32 % 4) * 16 + thread
                    let set = AllocatedPortSet(address: base + UInt32(offset), psid: psid, psidLength: 6)
                    if (try? pool.release(set)) != nil { _ = try? pool.claim(set) }
                }
                running.subtract(1, ordering: .sequentiallyConsistent)
            } else {
                while running.load(ordering: .sequentiallyConsistent) > 0 {
                    for partition in 0..<2 {
                        if let set = try? pool.allocate(from: partition, psidLength: 6) {
                            try? pool.release(set)
                        } else {
                            falseFull.add(1, ordering: .relaxed)
                        }
                    }
                }
            }
        }
        #expect(falseFull.load(ordering: .relaxed) == 0)
        #expect(try pool.isFree(stable))
    }
}
