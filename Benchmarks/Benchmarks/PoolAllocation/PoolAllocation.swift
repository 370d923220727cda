// PortSetPool micro-benchmarks (issue 3): a pool of 65,536 addresses x 64 PSIDs
// (4,194,304 slots, a = 6, k_max = 6) at several occupancies, with random placement of the
// taken sets. Goal: allocate+release median <= 50 ns at every level, and at 99.9% no worse
// than 3x the empty pool; 0 mallocs per operation.
//
// Run: cd Benchmarks && swift package benchmark --target PoolAllocation

import Benchmark
import Dispatch
import PortSetPool

let addressCount = 65_536
let firstAddress: UInt32 = 0x0A00_0000

/// A pool of `addressCount` addresses whose first `taken` sets (k = 6, in a fixed random
/// order over the whole pool) are claimed.
func filledPool(
    occupancy: Double,
    order: PoolConfiguration.SearchOrder,
    partitions: Int = 1,
    minimumLength: Int = 6,
    permutation: [UInt32]
) -> PortSetPool {
    let pool = try! PortSetPool(
        PoolConfiguration(
            addressRanges: [firstAddress...(firstAddress + UInt32(addressCount - 1))],
            psidOffset: 6,
            maximumPSIDLength: 6,
            minimumPSIDLength: minimumLength,
            partitionCount: partitions,
            searchOrder: order
        )
    )
    let taken = Int(Double(permutation.count) * occupancy)
    for slot in permutation.prefix(taken) {
        let set = AllocatedPortSet(address: firstAddress + slot >> 6, psid: Int(slot & 63), psidLength: 6)
        precondition(try! pool.claim(set))
    }
    return pool
}

/// Every slot of the pool once, in a fixed pseudo-random order.
func slotPermutation() -> [UInt32] {
    var slots = Array(0..<UInt32(addressCount * 64))
    var state: UInt64 = 0x5EED
    for index in stride(from: slots.count - 1, to: 0, by: -1) {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        slots.swapAt(index, Int((state >> 33) % UInt64(index + 1)))
    }
    return slots
}

/// Every slot of the pool once, in a fixed pseudo-random order (computed on first use).
let permutation = slotPermutation()

/// Holds the pool a benchmark runs on: built by `setup` (so `--filter` builds only the
/// pools it needs, and building is not measured) and dropped by `teardown`.
final class PoolBox: @unchecked Sendable {
    var pool: PortSetPool?
}

/// Registers a benchmark over a pool made by `make`.
func poolBenchmark(
    _ name: String,
    make: @escaping @Sendable () -> PortSetPool,
    body: @escaping @Sendable (Benchmark, PortSetPool) -> Void
) {
    let box = PoolBox()
    Benchmark(
        name,
        closure: { benchmark in body(benchmark, box.pool!) },
        setup: { box.pool = make() },
        teardown: { box.pool = nil }
    )
}

@inline(__always)
func allocateAndRelease(_ pool: PortSetPool, partition: Int, length: Int) {
    guard let set = try! pool.allocate(from: partition, psidLength: length) else {
        fatalError("pool unexpectedly full")
    }
    try! pool.release(set)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal, .instructions],
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000_000
    )

    let levels: [(String, Double)] = [("0%", 0), ("50%", 0.5), ("90%", 0.9), ("99%", 0.99), ("99.9%", 0.999)]

    for (label, occupancy) in levels {
        poolBenchmark(
            "allocate+release k=6, \(label) full, random order, 1 thread",
            make: { filledPool(occupancy: occupancy, order: .random(seed: 1), permutation: permutation) }
        ) { benchmark, pool in
            for _ in benchmark.scaledIterations {
                allocateAndRelease(pool, partition: 0, length: 6)
            }
        }
        poolBenchmark(
            "allocate+release k=6, \(label) full, sequential order, 1 thread",
            make: { filledPool(occupancy: occupancy, order: .sequential, permutation: permutation) }
        ) { benchmark, pool in
            for _ in benchmark.scaledIterations {
                allocateAndRelease(pool, partition: 0, length: 6)
            }
        }
        poolBenchmark(
            "allocate+release k=6, \(label) full, random order, 2 threads (time per op per thread)",
            make: { filledPool(occupancy: occupancy, order: .random(seed: 2), partitions: 2, permutation: permutation) }
        ) { benchmark, pool in
            let count = benchmark.scaledIterations.count
            DispatchQueue.concurrentPerform(iterations: 2) { thread in
                for _ in 0..<count {
                    allocateAndRelease(pool, partition: thread, length: 6)
                }
            }
        }
    }

    poolBenchmark(
        "allocate+release k=4 among k=6 sets, 90% full, random order (buddy case)",
        make: { filledPool(occupancy: 0.9, order: .random(seed: 3), minimumLength: 4, permutation: permutation) }
    ) { benchmark, pool in
        for _ in benchmark.scaledIterations {
            allocateAndRelease(pool, partition: 0, length: 4)
        }
    }

    let targets = permutation[(permutation.count / 2)..<(permutation.count / 2 + 4096)].map {
        AllocatedPortSet(address: firstAddress + $0 >> 6, psid: Int($0 & 63), psidLength: 6)
    }
    poolBenchmark(
        "claim+release a specific (address, PSID), 50% full",
        make: { filledPool(occupancy: 0.5, order: .sequential, permutation: permutation) }
    ) { benchmark, pool in
        var index = 0
        for _ in benchmark.scaledIterations {
            let set = targets[index]
            index = (index + 1) & 4095
            precondition(try! pool.claim(set))
            try! pool.release(set)
        }
    }
}
