import Synchronization

/// The lock-free pool of `(IPv4 address, PSID)` port sets that shard workers allocate from.
///
/// Each address has `2^k_max` slots, one per PSID of the finest length `k_max`; a port set
/// of length `k` is the `2^(k_max - k)` aligned adjacent slots whose finest PSIDs start with
/// its PSID, so sets of every size, shared and full addresses, come out of one bitmap with
/// no fragmentation beyond the buddy rule. Slots live in `Atomic<UInt64>` words; a set is
/// taken or returned by one compare-exchange on one word, which is the only thing that
/// decides ownership. Summary bitmaps (``HintTree``) above the words keep searches short
/// at any occupancy; they are hints and never the truth. `Docs/PortSetPool.md` describes
/// the data structure, the protocol and the hint invariants.
///
/// Every method is safe to call from any thread at any time, takes no lock and allocates
/// nothing on the heap (the pool's memory is allocated once by `init`).
public final class PortSetPool: Sendable {
    /// The largest pool, in slots (addresses times `2^k_max`): `2^30`, 1 GiB of slot words
    /// and codes together. Larger pools are an error rather than an out-of-memory crash.
    public static let maximumSlots = 1 << 30

    /// The class index of full addresses when an address spans several words (`k_max > 6`).
    static let fullAddressClass = 7
    /// Class indexes per partition (0...6 for runs of `2^j` slots, 7 for multi-word addresses).
    static let classSlots = 8
    /// Words of per-partition state: free counters, used counters, cursors, random state.
    /// 32 words (four cache lines) so partitions never share a line.
    static let stateStride = 32
    static let freeOffset = 0
    static let usedOffset = 8
    static let cursorOffset = 16
    static let randomOffset = 24

    /// The configuration the pool was built from.
    public let configuration: PoolConfiguration
    /// The PSID offset `a` and the finest PSID length `k_max`.
    public let layout: PSIDLayout

    let maximumLength: Int
    let slotsPerAddress: Int
    let wordsPerAddress: Int
    let addresses: AddressSpace
    /// Units partitions are made of: words when an address fits in a word, else addresses.
    let blockCount: Int
    /// First slot word of each partition, plus the end.
    let partitionStarts: [Int]
    /// Bit `c` set when class `c` is offered.
    let offeredClasses: Int
    /// The largest offered class `j <= 6`, or -1.
    let largestWordClass: Int
    /// Reserved slots of one address (the same for every address), `wordsPerAddress` words.
    let reservedTemplate: [UInt64]
    let randomOrder: Bool

    /// The slot words: bit `g % 64` of word `g / 64` is slot `g = index * 2^k_max + psid`.
    let slots: AtomicWords
    /// 4 bits per slot: `class + 1` at the first slot of every allocated set, else 0. This is
    /// what lets `release` tell a live set from a double release or a wrong length.
    let codes: AtomicWords
    /// Per address, how many of its words are all zero (only when `k_max > 6` and full
    /// addresses are offered): the address is free when the count reaches `wordsPerAddress`.
    let zeroWords: AtomicWords
    /// Storage of every hint tree.
    let hints: AtomicWords
    /// One tree per partition and class, at `partition * classSlots + class`.
    let trees: [HintTree]
    /// `stateStride` words per partition.
    let partitionState: AtomicWords

    /// Builds a pool, checking every parameter; nothing here traps on bad configuration.
    ///
    /// Cost: one pass over the slot words (about a millisecond per 100,000 addresses).
    public init(_ configuration: PoolConfiguration) throws(PoolError) {
        self.configuration = configuration
        let maxLength = configuration.maximumPSIDLength
        let minLength = configuration.minimumPSIDLength
        guard (0...10).contains(maxLength), (0...maxLength).contains(minLength),
            maxLength <= 6 || minLength == 0 || minLength >= maxLength - 6
        else { throw .unsupportedPSIDLengths(minimum: minLength, maximum: maxLength) }
        do {
            layout = try PSIDLayout(offset: configuration.psidOffset, length: maxLength)
        } catch {
            throw .invalidPortSet(error)
        }
        for range in configuration.reservedPorts where range.lowerBound < 0 || range.upperBound > 65535 {
            throw .invalidReservedPorts(range)
        }
        addresses = try AddressSpace(configuration.addressRanges)
        maximumLength = maxLength
        let slotsPerAddress = 1 << maxLength
        self.slotsPerAddress = slotsPerAddress
        let totalSlots = addresses.count * slotsPerAddress
        guard totalSlots <= Self.maximumSlots else { throw .poolTooLarge(slots: totalSlots) }
        let wordsPerAddress = max(1, slotsPerAddress >> 6)
        self.wordsPerAddress = wordsPerAddress
        let slotWordCount = (totalSlots + 63) >> 6
        blockCount = slotsPerAddress >= 64 ? addresses.count : slotWordCount
        let partitionCount = configuration.partitionCount
        guard partitionCount >= 1, partitionCount <= blockCount else {
            throw .invalidPartitionCount(partitionCount)
        }
        partitionStarts = (0...partitionCount).map { [blockCount] in $0 * blockCount / partitionCount * wordsPerAddress }

        var offered = 0
        for length in minLength...maxLength {
            if slotsPerAddress > 64 && length < maxLength - 6 {
                if length == 0 { offered |= 1 << Self.fullAddressClass }
            } else {
                offered |= 1 << (maxLength - length)
            }
        }
        offeredClasses = offered
        largestWordClass = (0...6).last { offered & (1 << $0) != 0 } ?? -1

        var template = [UInt64](repeating: 0, count: wordsPerAddress)
        for slot in 0..<slotsPerAddress {
            let ports = PortSet(layout: layout, psid: slot)
            if configuration.reservedPorts.contains(where: { ports.overlaps($0) }) {
                template[slot >> 6] |= 1 << UInt64(slot & 63)
            }
        }
        let usedBits = slotsPerAddress >= 64 ? template : [template[0] | ~SlotBits.runMask(maxLength)]
        guard usedBits.contains(where: { $0 != UInt64.max }) else { throw .everyPortSetReserved }
        reservedTemplate = template
        if case .random = configuration.searchOrder { randomOrder = true } else { randomOrder = false }

        slots = AtomicWords(count: slotWordCount)
        codes = AtomicWords(count: slotWordCount * 4)
        let multiWordFull = offered & (1 << Self.fullAddressClass) != 0
        zeroWords = AtomicWords(count: multiWordFull ? addresses.count : 0)
        partitionState = AtomicWords(count: partitionCount * Self.stateStride)

        var trees: [HintTree] = []
        var hintWords = 0
        for partition in 0..<partitionCount {
            let words = partitionStarts[partition + 1] - partitionStarts[partition]
            for unitClass in 0..<Self.classSlots {
                let leaves =
                    offered & (1 << unitClass) == 0 ? 0
                    : unitClass == Self.fullAddressClass ? words / wordsPerAddress : words
                let tree = HintTree(leafCount: leaves, base: hintWords)
                hintWords += tree.wordCount
                trees.append(tree)
            }
        }
        self.trees = trees
        hints = AtomicWords(count: hintWords)
        buildInitialState(template: template)
    }

    /// The number of home partitions.
    public var partitionCount: Int { partitionStarts.count - 1 }

    /// The number of addresses in the pool.
    public var addressCount: Int { addresses.count }

    /// Bytes of memory the pool holds: slot words, allocation codes, hints and counters.
    public var memoryByteCount: Int {
        slots.byteCount + codes.byteCount + zeroWords.byteCount + hints.byteCount + partitionState.byteCount
    }

    /// ``memoryByteCount`` per address: `2^k_max / 8` bytes of slot bits, `2^k_max / 2` of
    /// allocation codes, a bit per offered size per word of hints (plus 1/63 for the upper
    /// levels) and, for `k_max > 6` with full addresses offered, 8 bytes of zero-word count.
    /// About 41 bytes at `k_max = 6`.
    public var bytesPerAddress: Double { Double(memoryByteCount) / Double(addresses.count) }

    /// The PSID lengths this pool hands out, shortest (largest set) first.
    public var offeredLengths: [Int] {
        (0...maximumLength).filter { (try? classIndex($0)) != nil }
    }

    /// Takes a free port set of `psidLength` bits, searching home partition `partition`
    /// first and then stealing from the others in turn. Returns nil only when no free set
    /// of that length exists in any partition (see "Never a false full" in the docs).
    ///
    /// - Throws: ``PoolError/invalidPartition(_:)`` or ``PoolError/unsupportedLength(_:)``.
    public func allocate(from partition: Int, psidLength: Int) throws(PoolError) -> AllocatedPortSet? {
        guard partition >= 0, partition < partitionCount else { throw .invalidPartition(partition) }
        let unitClass = try classIndex(psidLength)
        var candidate = partition
        for _ in 0..<partitionCount {
            if let slot = search(partition: candidate, unitClass: unitClass) {
                return portSet(slot: slot, psidLength: psidLength)
            }
            candidate = candidate + 1 == partitionCount ? 0 : candidate + 1
        }
        return nil
    }

    /// Takes exactly `portSet` (a client asking for its previous lease, or log recovery),
    /// whichever partition holds it. Returns false when any of its slots is taken.
    ///
    /// - Throws: for a length the pool does not offer, an address outside the pool, a PSID
    ///   that does not fit, or a set touching a reserved port.
    public func claim(_ portSet: AllocatedPortSet) throws(PoolError) -> Bool {
        let (slot, unitClass) = try resolve(portSet)
        let partition = self.partition(ofWord: slot >> 6)
        if unitClass == Self.fullAddressClass {
            guard takeAddress(slot >> maximumLength, partition: partition) else { return false }
        } else {
            let mask = SlotBits.runMask(unitClass) << UInt64(slot & 63)
            guard takeBits(word: slot >> 6, mask: mask, partition: partition) else { return false }
        }
        recordAllocation(slot: slot, unitClass: unitClass, partition: partition)
        return true
    }

    /// Returns `portSet` to the pool.
    ///
    /// Double release is detected, not silently applied: the pool keeps the length of every
    /// live set at its first slot, so releasing a set that is not allocated as exactly this
    /// `(address, PSID, length)`, because it was released already, or because its slots now
    /// belong to a set of another size, throws ``PoolError/notAllocated(address:psid:length:)``
    /// and changes nothing. (A stale release of a set that was handed out again with the very
    /// same address, PSID and length cannot be told apart from the new owner's release; the
    /// engine's lease table is the owner of record.)
    public func release(_ portSet: AllocatedPortSet) throws(PoolError) {
        let (slot, unitClass) = try resolve(portSet)
        guard clearCode(slot: slot, unitClass: unitClass) else {
            throw .notAllocated(address: portSet.address, psid: portSet.psid, length: portSet.psidLength)
        }
        let partition = self.partition(ofWord: slot >> 6)
        if unitClass == Self.fullAddressClass {
            for word in (slot >> 6)..<((slot >> 6) + wordsPerAddress) {
                releaseBits(word: word, mask: UInt64.max, partition: partition)
            }
        } else {
            releaseBits(word: slot >> 6, mask: SlotBits.runMask(unitClass) << UInt64(slot & 63), partition: partition)
        }
        addCounter(partition, Self.usedOffset + unitClass, -1)
    }

    /// Whether every slot of `portSet` is free right now (a snapshot: it may change at once).
    public func isFree(_ portSet: AllocatedPortSet) throws(PoolError) -> Bool {
        let slot = try resolve(portSet).slot
        let count = 1 << (maximumLength - portSet.psidLength)
        if count >= 64 {
            return (0..<(count >> 6)).allSatisfy { slots.base[(slot >> 6) + $0].load(ordering: .acquiring) == 0 }
        }
        let mask = SlotBits.runMask(maximumLength - portSet.psidLength) << UInt64(slot & 63)
        return slots.base[slot >> 6].load(ordering: .acquiring) & mask == 0
    }

    /// How many sets of `psidLength` bits could be allocated right now in `partition` (all
    /// partitions when nil): free aligned runs, so a free full address also counts as
    /// `2^k` free sets of length `k`. One atomic load per partition; exact when no
    /// operation is in flight.
    public func freePortSets(psidLength: Int, partition: Int? = nil) throws(PoolError) -> Int {
        try readCounter(Self.freeOffset, psidLength: psidLength, partition: partition)
    }

    /// How many sets of `psidLength` bits are allocated in `partition` (all when nil).
    public func usedPortSets(psidLength: Int, partition: Int? = nil) throws(PoolError) -> Int {
        try readCounter(Self.usedOffset, psidLength: psidLength, partition: partition)
    }

    /// Free and used counts of every offered length in every partition, for metrics.
    public func counters() -> [PoolCounters] {
        var result: [PoolCounters] = []
        for partition in 0..<partitionCount {
            for length in offeredLengths {
                let unitClass = (try? classIndex(length)) ?? 0
                result.append(
                    PoolCounters(
                        partition: partition,
                        psidLength: length,
                        free: counter(partition, Self.freeOffset + unitClass),
                        used: counter(partition, Self.usedOffset + unitClass)
                    )
                )
            }
        }
        return result
    }

    private func readCounter(_ offset: Int, psidLength: Int, partition: Int?) throws(PoolError) -> Int {
        let unitClass = try classIndex(psidLength)
        if let partition {
            guard partition >= 0, partition < partitionCount else { throw .invalidPartition(partition) }
            return counter(partition, offset + unitClass)
        }
        return (0..<partitionCount).reduce(0) { $0 + counter($1, offset + unitClass) }
    }
}
