import PortLeaseTestSupport
import Testing

@testable import PortSetPool

/// Builds a pool of `count` consecutive addresses from 192.0.2.0.
func makePool(
    addresses count: Int = 4,
    offset: Int = 6,
    lengths: ClosedRange<Int> = 6...6,
    reserved: [ClosedRange<Int>] = [0...1023],
    partitions: Int = 1,
    order: PoolConfiguration.SearchOrder = .sequential
) throws -> PortSetPool {
    try PortSetPool(
        PoolConfiguration(
            addressRanges: [0xC000_0200...(0xC000_0200 + UInt32(count) - 1)],
            psidOffset: offset,
            maximumPSIDLength: lengths.upperBound,
            minimumPSIDLength: lengths.lowerBound,
            reservedPorts: reserved,
            partitionCount: partitions,
            searchOrder: order
        )
    )
}

/// Per address, a bitmap of the ports handed out so far.
struct PortLedger {
    var bits: [UInt64]
    let base: UInt32
    init(addresses: Int, base: UInt32 = 0xC000_0200) {
        bits = [UInt64](repeating: 0, count: addresses * 1024)
        self.base = base
    }

    /// Records the ports of `set`; returns false if one was already handed out.
    mutating func take(_ set: AllocatedPortSet, offset: Int) throws -> Bool {
        let first = Int(set.address - base) * 1024
        for port in try PSIDLayout(offset: offset, length: set.psidLength).portSet(psid: set.psid) {
            let index = first + Int(port) >> 6
            let bit = UInt64(1) << UInt64(port & 63)
            if bits[index] & bit != 0 { return false }
            bits[index] |= bit
        }
        return true
    }
}

/// How many PSIDs of length `length` avoid every reserved range.
func usablePSIDs(offset: Int, length: Int, reserved: [ClosedRange<Int>]) throws -> Int {
    let layout = try PSIDLayout(offset: offset, length: length)
    return try (0..<layout.psidCount).filter { psid in
        let ports = try layout.portSet(psid: psid)
        return !reserved.contains { ports.overlaps($0) }
    }.count
}

@Suite struct PortSetPoolTests {
    /// For every offset and every offered length: allocate until the pool says full; every
    /// set comes out once, none touches a reserved port, the sets of one address never share
    /// a port, and the count is exactly the number of usable PSIDs times the addresses.
    @Test(arguments: [0, 3, 6, 8])
    func exhaustiveAllocationUntilFull(maxLength: Int) throws {
        let addresses = 3
        let reserved = [0...1023]
        for offset in 0...(16 - maxLength) {
            guard try usablePSIDs(offset: offset, length: maxLength, reserved: reserved) > 0 else {
                #expect(throws: PoolError.everyPortSetReserved) {
                    try makePool(addresses: addresses, offset: offset, lengths: 0...maxLength)
                }
                continue
            }
            let pool = try makePool(addresses: addresses, offset: offset, lengths: 0...maxLength)
            for length in pool.offeredLengths {
                var ledger = PortLedger(addresses: addresses)
                var handedOut: [AllocatedPortSet] = []
                while let set = try pool.allocate(from: 0, psidLength: length) {
                    #expect(set.psidLength == length)
                    let ports = try PSIDLayout(offset: offset, length: length).portSet(psid: set.psid)
                    #expect(!reserved.contains { ports.overlaps($0) }, "\(set) touches a reserved port")
                    #expect(try ledger.take(set, offset: offset), "\(set) overlaps an earlier set (a=\(offset))")
                    handedOut.append(set)
                }
                let expected = try usablePSIDs(offset: offset, length: length, reserved: reserved) * addresses
                #expect(handedOut.count == expected, "a=\(offset) k=\(length)")
                #expect(Set(handedOut).count == handedOut.count)
                #expect(try pool.usedPortSets(psidLength: length) == expected)
                #expect(try pool.freePortSets(psidLength: length) == 0)
                for set in handedOut { try pool.release(set) }
                #expect(try pool.usedPortSets(psidLength: length) == 0)
                #expect(try pool.freePortSets(psidLength: length) == expected)
            }
        }
    }

    @Test func claimTakesExactlyTheRequestedSet() throws {
        let pool = try makePool(addresses: 2, offset: 6, lengths: 0...6)
        let address: UInt32 = 0xC000_0201
        #expect(try pool.claim(AllocatedPortSet(address: address, psid: 5, psidLength: 6)))
        #expect(try !pool.claim(AllocatedPortSet(address: address, psid: 5, psidLength: 6)))
        // The k = 4 set 1 covers k = 6 PSIDs 4...7, one of which is taken.
        #expect(try !pool.claim(AllocatedPortSet(address: address, psid: 1, psidLength: 4)))
        #expect(try pool.claim(AllocatedPortSet(address: address, psid: 2, psidLength: 4)))
        #expect(try !pool.isFree(AllocatedPortSet(address: address, psid: 9, psidLength: 6)))
        #expect(try pool.isFree(AllocatedPortSet(address: address, psid: 12, psidLength: 6)))
        // A full address can be claimed only when nothing in it is taken.
        #expect(try !pool.claim(AllocatedPortSet(address: address, psid: 0, psidLength: 0)))
        #expect(try pool.claim(AllocatedPortSet(address: 0xC000_0200, psid: 0, psidLength: 0)))
        #expect(try !pool.claim(AllocatedPortSet(address: 0xC000_0200, psid: 63, psidLength: 6)))
        #expect(try pool.usedPortSets(psidLength: 0) == 1)
        #expect(try pool.freePortSets(psidLength: 6) == 64 - 1 - 4)

        // lw4o6 (a = 0): PSID 0 of every address holds ports 0-1023, so no full address is
        // ever free and the k = 6 PSID 0 is refused.
        let lw4o6 = try makePool(addresses: 2, offset: 0, lengths: 0...6)
        #expect(throws: PoolError.reservedPortSet(address: address, psid: 0, length: 0)) {
            try lw4o6.claim(AllocatedPortSet(address: address, psid: 0, psidLength: 0))
        }
        #expect(try lw4o6.allocate(from: 0, psidLength: 0) == nil)
        #expect(try lw4o6.claim(AllocatedPortSet(address: address, psid: 1, psidLength: 6)))
    }

    @Test func releaseDetectsDoubleAndWrongLengthReleases() throws {
        let pool = try makePool(addresses: 1, lengths: 4...6)
        let quarter = AllocatedPortSet(address: 0xC000_0200, psid: 3, psidLength: 4)
        #expect(try pool.claim(quarter))
        // Wrong length: the k = 6 PSID 12 is inside the k = 4 set but is not itself a lease.
        #expect(throws: PoolError.notAllocated(address: 0xC000_0200, psid: 12, length: 6)) {
            try pool.release(AllocatedPortSet(address: 0xC000_0200, psid: 12, psidLength: 6))
        }
        try pool.release(quarter)
        #expect(throws: PoolError.notAllocated(address: 0xC000_0200, psid: 3, length: 4)) {
            try pool.release(quarter)
        }
        // The slots are reused by smaller sets: the stale release of the larger set is still refused.
        let small = AllocatedPortSet(address: 0xC000_0200, psid: 12, psidLength: 6)
        #expect(try pool.claim(small))
        #expect(try pool.claim(AllocatedPortSet(address: 0xC000_0200, psid: 13, psidLength: 6)))
        #expect(throws: PoolError.notAllocated(address: 0xC000_0200, psid: 3, length: 4)) {
            try pool.release(quarter)
        }
        // And a larger set over released slots does not make a stale smaller release valid.
        try pool.release(small)
        try pool.release(AllocatedPortSet(address: 0xC000_0200, psid: 13, psidLength: 6))
        #expect(try pool.claim(quarter))
        #expect(throws: PoolError.notAllocated(address: 0xC000_0200, psid: 12, length: 6)) { try pool.release(small) }
        #expect(try pool.usedPortSets(psidLength: 4) == 1)
        #expect(try pool.usedPortSets(psidLength: 6) == 0)
    }

    @Test func badInputIsATypedError() throws {
        #expect(throws: PoolError.unsupportedPSIDLengths(minimum: 0, maximum: 11)) {
            try makePool(lengths: 0...11)
        }
        #expect(throws: PoolError.unsupportedPSIDLengths(minimum: 2, maximum: 10)) {
            try makePool(offset: 4, lengths: 2...10)
        }
        #expect(throws: PoolError.invalidPortSet(.invalidLength(offset: 8, length: 9))) {
            try makePool(offset: 8, lengths: 9...9)
        }
        #expect(throws: PoolError.invalidPortSet(.invalidOffset(-1))) { try makePool(offset: -1) }
        #expect(throws: PoolError.invalidReservedPorts(-1...5)) { try makePool(reserved: [-1...5]) }
        #expect(throws: PoolError.invalidReservedPorts(60000...65536)) { try makePool(reserved: [60000...65536]) }
        #expect(throws: PoolError.everyPortSetReserved) { try makePool(offset: 0, lengths: 0...0) }
        #expect(throws: PoolError.invalidPartitionCount(0)) { try makePool(partitions: 0) }
        #expect(throws: PoolError.invalidPartitionCount(5)) { try makePool(addresses: 4, partitions: 5) }
        #expect(throws: PoolError.noAddresses) { try PortSetPool(PoolConfiguration(addressRanges: [])) }
        #expect(throws: PoolError.overlappingAddressRanges(1...10, 10...20)) {
            try PortSetPool(PoolConfiguration(addressRanges: [1...10, 10...20]))
        }
        #expect(throws: PoolError.poolTooLarge(slots: 1 << 32)) {
            try PortSetPool(PoolConfiguration(addressRanges: [0...UInt32.max], maximumPSIDLength: 0))
        }

        let pool = try makePool(addresses: 2, lengths: 4...6, partitions: 2)
        #expect(throws: PoolError.invalidPartition(2)) { try pool.allocate(from: 2, psidLength: 6) }
        #expect(throws: PoolError.invalidPartition(-1)) { try pool.allocate(from: -1, psidLength: 6) }
        #expect(throws: PoolError.unsupportedLength(3)) { try pool.allocate(from: 0, psidLength: 3) }
        #expect(throws: PoolError.unsupportedLength(7)) { try pool.allocate(from: 0, psidLength: 7) }
        #expect(throws: PoolError.unsupportedLength(-1)) { try pool.freePortSets(psidLength: -1) }
        #expect(throws: PoolError.addressNotInPool(0xC000_0202)) {
            try pool.claim(AllocatedPortSet(address: 0xC000_0202, psid: 0, psidLength: 6))
        }
        #expect(throws: PoolError.invalidPSID(psid: 16, length: 4)) {
            try pool.release(AllocatedPortSet(address: 0xC000_0200, psid: 16, psidLength: 4))
        }
        #expect(throws: PoolError.invalidPSID(psid: -1, length: 4)) {
            try pool.claim(AllocatedPortSet(address: 0xC000_0200, psid: -1, psidLength: 4))
        }

        // lw4o6 (a = 0): PSID 0 holds ports 0-1023, so it is reserved and cannot be claimed.
        let lw4o6 = try makePool(addresses: 1, offset: 0)
        #expect(throws: PoolError.reservedPortSet(address: 0xC000_0200, psid: 0, length: 6)) {
            try lw4o6.claim(AllocatedPortSet(address: 0xC000_0200, psid: 0, psidLength: 6))
        }
    }

    @Test func multiWordAddressesOfferFullAndFineSetsOnly() throws {
        let pool = try makePool(addresses: 2, offset: 4, lengths: 0...10)
        #expect(pool.offeredLengths == [0, 4, 5, 6, 7, 8, 9, 10])
        #expect(throws: PoolError.unsupportedLength(2)) { try pool.allocate(from: 0, psidLength: 2) }
        let full = try #require(try pool.allocate(from: 0, psidLength: 0))
        let other = try #require(try pool.allocate(from: 0, psidLength: 0))
        #expect(full.address != other.address)
        #expect(try pool.allocate(from: 0, psidLength: 0) == nil)
        #expect(try pool.allocate(from: 0, psidLength: 10) == nil)
        try pool.release(full)
        #expect(try pool.freePortSets(psidLength: 0) == 1)
        #expect(try pool.freePortSets(psidLength: 10) == 1024)
        let shared = try #require(try pool.allocate(from: 0, psidLength: 10))
        #expect(shared.address == full.address)
        #expect(try pool.freePortSets(psidLength: 0) == 0)
        #expect(try pool.allocate(from: 0, psidLength: 0) == nil)
        try pool.release(shared)
        #expect(try pool.allocate(from: 0, psidLength: 0) == full)
    }

    /// Fill the pool, then free exactly one set of each size in different places: every
    /// partition must find it, through the hints or the stealing path.
    @Test(arguments: [PoolConfiguration.SearchOrder.sequential, .random(seed: 99)])
    func neverAFalseFull(order: PoolConfiguration.SearchOrder) throws {
        var generator = SplitMix(seed: 3)
        for (offset, lengths, addresses) in [(6, 0...6, 40), (4, 0...9, 24), (0, 3...5, 64), (6, 2...2, 128)] {
            let pool = try makePool(addresses: addresses, offset: offset, lengths: lengths, partitions: 4, order: order)
            let finest = lengths.upperBound
            while try pool.allocate(from: 0, psidLength: finest) != nil {}
            for length in pool.offeredLengths {
                #expect(try pool.allocate(from: 1, psidLength: length) == nil)
            }
            // One free set per offered length, each in an address of its own, at a random PSID.
            var spare = Array(0..<UInt32(addresses)).shuffled(using: &generator)
            for length in pool.offeredLengths {
                let layout = try PSIDLayout(offset: offset, length: length)
                let usable = try (0..<layout.psidCount).filter { try !layout.portSet(psid: $0).overlaps(0...1023) }
                let psid = try #require(usable.randomElement(using: &generator))
                let address = 0xC000_0200 + spare.removeLast()
                let shift = finest - length
                for fine in (psid << shift)..<((psid + 1) << shift) {
                    try pool.release(AllocatedPortSet(address: address, psid: fine, psidLength: finest))
                }
            }
            for length in pool.offeredLengths {
                for partition in 0..<4 {
                    let set = try #require(
                        try pool.allocate(from: partition, psidLength: length), "k=\(length) p=\(partition)")
                    #expect(set.psidLength == length)
                    try pool.release(set)
                }
            }
        }
    }

    @Test func homePartitionIsSearchedFirstThenOthersAreStolenFrom() throws {
        let pool = try makePool(addresses: 8, lengths: 6...6, partitions: 4)
        // Each partition holds 2 addresses (2 words of 64 slots, all usable with a = 6).
        var perAddress: [UInt32: Int] = [:]
        for _ in 0..<128 {
            let set = try #require(try pool.allocate(from: 2, psidLength: 6))
            perAddress[set.address, default: 0] += 1
        }
        #expect(perAddress == [0xC000_0204: 64, 0xC000_0205: 64])
        #expect(try pool.freePortSets(psidLength: 6, partition: 2) == 0)
        let stolen = try #require(try pool.allocate(from: 2, psidLength: 6))
        #expect(stolen.address == 0xC000_0206)
        #expect(try pool.usedPortSets(psidLength: 6, partition: 3) == 1)
    }

    /// The constant-time word-to-partition formula agrees with the partition bounds.
    @Test func partitionOfWordMatchesBounds() throws {
        for (addresses, maxLength, partitions) in [(7, 6, 3), (100, 2, 3), (13, 8, 5), (1000, 0, 7), (64, 6, 64)] {
            let pool = try makePool(
                addresses: addresses, offset: 4, lengths: maxLength...maxLength, partitions: partitions)
            #expect(pool.partitionStarts.first == 0)
            #expect(pool.partitionStarts.last == pool.slotWordCount)
            for word in 0..<pool.slotWordCount {
                let partition = pool.partition(ofWord: word)
                #expect(pool.partitionStarts[partition] <= word && word < pool.partitionStarts[partition + 1])
            }
            for partition in 0..<partitions {
                #expect(pool.partitionStarts[partition] < pool.partitionStarts[partition + 1], "empty partition")
            }
        }
    }

    @Test func randomOrderSpreadsAllocations() throws {
        let pool = try makePool(addresses: 64, lengths: 6...6, order: .random(seed: 1))
        var addresses = Set<UInt32>()
        for _ in 0..<32 { addresses.insert(try #require(try pool.allocate(from: 0, psidLength: 6)).address) }
        #expect(addresses.count > 16)
    }

    @Test func portsOfASetUseThePoolOffset() throws {
        let pool = try makePool(addresses: 1, offset: 6, lengths: 4...6)
        let set = AllocatedPortSet(address: 0xC000_0200, psid: 5, psidLength: 6)
        #expect(Array(try pool.ports(of: set).prefix(2)) == [1104, 1105])
        #expect(try pool.ports(of: AllocatedPortSet(address: 0, psid: 1, psidLength: 4)).count == 63 * 64)
        #expect(throws: PoolError.invalidPortSet(.invalidLength(offset: 6, length: 11))) {
            try pool.ports(of: AllocatedPortSet(address: 0xC000_0200, psid: 0, psidLength: 11))
        }
    }

    @Test func countersAndMemoryReport() throws {
        let pool = try makePool(addresses: 1024, offset: 6, lengths: 0...6, partitions: 2)
        // With a = 6 the well-known ports (block j = 0) are in no set, so nothing is reserved.
        #expect(try pool.freePortSets(psidLength: 6) == 1024 * 64)
        #expect(try pool.freePortSets(psidLength: 0) == 1024)
        #expect(try pool.freePortSets(psidLength: 4, partition: 1) == 512 * 16)
        #expect(pool.bytesPerAddress > 40 && pool.bytesPerAddress < 43)
        let counters = pool.counters()
        #expect(counters.count == 2 * 7)
        #expect(counters.reduce(0) { $0 + $1.used } == 0)
    }
}
