import Synchronization

/// The internal steps of allocate, claim and release: search, slot-word updates, and the
/// bookkeeping (hints, counters, codes) that follows every successful compare-exchange.
extension PortSetPool {
    /// The class of sets of `psidLength` bits: `k_max - k` (the log2 of its slot count) or
    /// ``fullAddressClass`` for a full address spanning several words.
    @inline(__always)
    func classIndex(_ psidLength: Int) throws(PoolError) -> Int {
        guard psidLength >= 0, psidLength <= maximumLength else { throw .unsupportedLength(psidLength) }
        let multiWordFull = wordsPerAddress > 1 && psidLength == 0
        guard multiWordFull || psidLength >= maximumLength - 6 else { throw .unsupportedLength(psidLength) }
        let unitClass = multiWordFull ? Self.fullAddressClass : maximumLength - psidLength
        guard offeredClasses & (1 << unitClass) != 0 else { throw .unsupportedLength(psidLength) }
        return unitClass
    }

    /// Validates a request and returns its first slot and class.
    func resolve(_ portSet: AllocatedPortSet) throws(PoolError) -> (slot: Int, unitClass: Int) {
        let unitClass = try classIndex(portSet.psidLength)
        guard portSet.psid >= 0, portSet.psid < 1 << portSet.psidLength else {
            throw .invalidPSID(psid: portSet.psid, length: portSet.psidLength)
        }
        guard let index = addresses.index(of: portSet.address) else { throw .addressNotInPool(portSet.address) }
        let shift = maximumLength - portSet.psidLength
        let first = portSet.psid << shift
        if touchesReserved(first: first, log2Count: shift) {
            throw .reservedPortSet(address: portSet.address, psid: portSet.psid, length: portSet.psidLength)
        }
        return (index << maximumLength | first, unitClass)
    }

    /// Whether slots `first ..< first + 2^log2Count` of an address include a reserved one.
    func touchesReserved(first: Int, log2Count: Int) -> Bool {
        if log2Count >= 6 {
            return reservedTemplate[(first >> 6)..<((first + (1 << log2Count)) >> 6)].contains { $0 != 0 }
        }
        return reservedTemplate[first >> 6] & (SlotBits.runMask(log2Count) << UInt64(first & 63)) != 0
    }

    func portSet(slot: Int, psidLength: Int) -> AllocatedPortSet {
        AllocatedPortSet(
            address: addresses.address(at: slot >> maximumLength),
            psid: (slot & (slotsPerAddress - 1)) >> (maximumLength - psidLength),
            psidLength: psidLength
        )
    }

    /// The cell of slot word `word`.
    @inline(__always)
    func slotCell(_ word: Int) -> Int {
        word &* Self.cellStride
    }

    /// The cell of the code word holding the code of `slot`.
    @inline(__always)
    func codeCell(_ slot: Int) -> Int {
        (slot >> 6) &* Self.cellStride &+ 1 &+ ((slot >> 4) & 3)
    }

    /// The partition holding slot word `word`.
    @inline(__always)
    func partition(ofWord word: Int) -> Int {
        if partitionCount == 1 { return 0 }
        let block = word >> wordShift
        return ((block + 1) * partitionCount - 1) / blockCount
    }

    // MARK: Search

    /// Finds and takes a free set of class `unitClass` in `partition`: follow the hints from
    /// the start position, wrapping once; if they show nothing but the free counter says
    /// something may be free, scan the partition exactly (see "Never a false full").
    func search(partition: Int, unitClass: Int) -> Int? {
        let tree = trees[partition * Self.classSlots + unitClass]
        let leaves = tree.leafCount
        guard leaves > 0 else { return nil }
        let cursorIndex = stateIndex(partition, Self.cursorOffset + unitClass)
        let start: Int
        let rotation: Int
        if randomOrder {
            let random = nextRandom(partition)
            start = Int(truncatingIfNeeded: random.multipliedFullWidth(by: UInt64(leaves)).high)
            rotation = Int(truncatingIfNeeded: random & 63)
        } else {
            let cursor = Int(truncatingIfNeeded: partitionState.base[cursorIndex].load(ordering: .relaxed))
            start = cursor < leaves ? cursor : 0
            rotation = 0
        }
        var from = start
        var wrapped = false
        while true {
            if let leaf = tree.next(from: from, in: hints.base), !wrapped || leaf < start {
                if let slot = take(partition: partition, unitClass: unitClass, leaf: leaf, rotation: rotation) {
                    if !randomOrder { partitionState.base[cursorIndex].store(UInt64(leaf), ordering: .relaxed) }
                    return slot
                }
                from = leaf + 1
            } else if !wrapped {
                wrapped = true
                from = 0
            } else {
                break
            }
        }
        guard freeCount(partition, unitClass) > 0 else { return nil }
        for leaf in 0..<leaves where unitIsFree(partition: partition, unitClass: unitClass, leaf: leaf) {
            tree.set(leaf, in: hints.base)
            if let slot = take(partition: partition, unitClass: unitClass, leaf: leaf, rotation: rotation) {
                return slot
            }
        }
        return nil
    }

    /// Whether unit `leaf` of `partition` has a free set of class `unitClass` (one load).
    func unitIsFree(partition: Int, unitClass: Int, leaf: Int) -> Bool {
        if unitClass == Self.fullAddressClass {
            return zeroWordCount(partitionStarts[partition] / wordsPerAddress + leaf) >= wordsPerAddress
        }
        let word = cells.base[slotCell(partitionStarts[partition] + leaf)].load(ordering: .sequentiallyConsistent)
        return SlotBits.freeRuns(word, unitClass) != 0
    }

    /// Tries to take a set of class `unitClass` in unit `leaf`; when the unit has none, clears
    /// its hint (then re-checks, so a concurrent release is not lost) and returns nil.
    func take(partition: Int, unitClass: Int, leaf: Int, rotation: Int) -> Int? {
        if unitClass == Self.fullAddressClass {
            let address = partitionStarts[partition] / wordsPerAddress + leaf
            if zeroWordCount(address) >= wordsPerAddress, takeAddress(address, partition: partition) {
                let slot = address << maximumLength
                writeCode(slot: slot, unitClass: unitClass)
                addCounts(partition, unitClass, free: 0, used: 1)
                return slot
            }
        } else {
            let word = partitionStarts[partition] + leaf
            var current = cells.base[slotCell(word)].load(ordering: .sequentiallyConsistent)
            while true {
                let runs = SlotBits.freeRuns(current, unitClass)
                if runs == 0 { break }
                let bit = SlotBits.pick(runs, rotation: rotation)
                let updated = current | SlotBits.runMask(unitClass) << UInt64(bit)
                let (exchanged, original) = cells.base[slotCell(word)].compareExchange(
                    expected: current, desired: updated, ordering: .sequentiallyConsistent
                )
                if exchanged {
                    recordChange(
                        word: word, before: current, after: updated, partition: partition,
                        usedClass: unitClass, usedDelta: 1
                    )
                    let slot = word << 6 | bit
                    writeCode(slot: slot, unitClass: unitClass)
                    return slot
                }
                current = original
            }
        }
        let tree = trees[partition * Self.classSlots + unitClass]
        tree.clear(leaf, in: hints.base)
        if unitIsFree(partition: partition, unitClass: unitClass, leaf: leaf) { tree.set(leaf, in: hints.base) }
        return nil
    }

    // MARK: Slot words

    /// Sets the bits of `mask` in `word` if they are all free; false if any is taken.
    /// `usedClass` and `usedDelta` are passed on to ``recordChange``.
    func takeBits(word: Int, mask: UInt64, partition: Int, usedClass: Int = -1, usedDelta: Int = 0) -> Bool {
        var current = cells.base[slotCell(word)].load(ordering: .sequentiallyConsistent)
        while current & mask == 0 {
            let (exchanged, original) = cells.base[slotCell(word)].compareExchange(
                expected: current, desired: current | mask, ordering: .sequentiallyConsistent
            )
            if exchanged {
                recordChange(
                    word: word, before: current, after: current | mask, partition: partition,
                    usedClass: usedClass, usedDelta: usedDelta
                )
                return true
            }
            current = original
        }
        return false
    }

    /// Clears the bits of `mask` in `word` (the caller owns them).
    func releaseBits(word: Int, mask: UInt64, partition: Int, usedClass: Int = -1, usedDelta: Int = 0) {
        var current = cells.base[slotCell(word)].load(ordering: .sequentiallyConsistent)
        while true {
            let (exchanged, original) = cells.base[slotCell(word)].compareExchange(
                expected: current, desired: current & ~mask, ordering: .sequentiallyConsistent
            )
            if exchanged {
                recordChange(
                    word: word, before: current, after: current & ~mask, partition: partition,
                    usedClass: usedClass, usedDelta: usedDelta
                )
                return
            }
            current = original
        }
    }

    /// Takes every word of a multi-word address, lowest first, each by one compare-exchange
    /// from 0; if one is not free, gives back the ones already taken and returns false.
    /// While it runs, others may see those words busy, exactly as if a set had been
    /// allocated and released in the meantime.
    func takeAddress(_ address: Int, partition: Int) -> Bool {
        let first = address * wordsPerAddress
        for offset in 0..<wordsPerAddress where !takeBits(word: first + offset, mask: UInt64.max, partition: partition)
        {
            for taken in 0..<offset {
                releaseBits(word: first + taken, mask: UInt64.max, partition: partition)
            }
            return false
        }
        return true
    }

    // MARK: Bookkeeping

    /// After a successful compare-exchange of `word` from `before` to `after`: adjust the
    /// free counter and hint of every offered class whose free runs changed, and the
    /// zero-word count of a multi-word address. `usedDelta` is added to the used count of
    /// `usedClass` in the same atomic add as that class's free count (one add, not two).
    func recordChange(
        word: Int, before: UInt64, after: UInt64, partition: Int, usedClass: Int = -1, usedDelta: Int = 0
    ) {
        let leaf = word - partitionStarts[partition]
        var freeBefore = ~before
        var freeAfter = ~after
        var runClass = 0
        var usedPending = usedDelta
        while runClass <= largestWordClass {
            if runClass > 0 {
                freeBefore = SlotBits.doubled(freeBefore, to: runClass)
                freeAfter = SlotBits.doubled(freeAfter, to: runClass)
            }
            // Equal runs at one size mean equal runs at every larger size.
            if freeBefore == freeAfter { break }
            if offeredClasses & (1 << runClass) != 0 {
                let countBefore = freeBefore.nonzeroBitCount
                let countAfter = freeAfter.nonzeroBitCount
                if runClass == usedClass {
                    addCounts(partition, runClass, free: countAfter - countBefore, used: usedPending)
                    usedPending = 0
                } else if countBefore != countAfter {
                    addCounts(partition, runClass, free: countAfter - countBefore, used: 0)
                }
                if countBefore == 0 {
                    trees[partition * Self.classSlots + runClass].set(leaf, in: hints.base)
                } else if countAfter == 0 {
                    let tree = trees[partition * Self.classSlots + runClass]
                    tree.clear(leaf, in: hints.base)
                    let now = cells.base[slotCell(word)].load(ordering: .sequentiallyConsistent)
                    if SlotBits.freeRuns(now, runClass) != 0 { tree.set(leaf, in: hints.base) }
                }
            }
            runClass += 1
        }
        if usedPending != 0 { addCounts(partition, usedClass, free: 0, used: usedPending) }
        if zeroWords.count > 0, (before == 0) != (after == 0) {
            recordZeroWordChange(address: word / wordsPerAddress, becameZero: after == 0, partition: partition)
        }
    }

    /// Keeps the zero-word count of a multi-word address; the free counter and hint of full
    /// addresses change exactly when the count crosses `wordsPerAddress`, and because the
    /// count only moves by atomic increments, the crossings add up exactly.
    func recordZeroWordChange(address: Int, becameZero: Bool, partition: Int) {
        let leaf = address - partitionStarts[partition] / wordsPerAddress
        let tree = trees[partition * Self.classSlots + Self.fullAddressClass]
        let full = UInt64(wordsPerAddress)
        if becameZero {
            if zeroWords.base[address].wrappingAdd(1, ordering: .sequentiallyConsistent).newValue == full {
                addCounts(partition, Self.fullAddressClass, free: 1, used: 0)
                tree.set(leaf, in: hints.base)
            }
        } else if zeroWords.base[address].wrappingSubtract(1, ordering: .sequentiallyConsistent).oldValue == full {
            addCounts(partition, Self.fullAddressClass, free: -1, used: 0)
            tree.clear(leaf, in: hints.base)
            if zeroWordCount(address) >= wordsPerAddress { tree.set(leaf, in: hints.base) }
        }
    }

    /// The zero-word count of a multi-word address (signed: it may be briefly off by the
    /// operations in flight).
    func zeroWordCount(_ address: Int) -> Int {
        Int(Int64(bitPattern: zeroWords.base[address].load(ordering: .sequentiallyConsistent)))
    }

    /// Marks the set of class `unitClass` starting at `slot` as allocated, for `release`.
    func writeCode(slot: Int, unitClass: Int) {
        let shift = UInt64((slot & 15) * 4)
        cells.base[codeCell(slot)].bitwiseOr(UInt64(unitClass + 1) << shift, ordering: .acquiringAndReleasing)
    }

    /// Clears the code of the set at `slot` if it is exactly a live set of `unitClass`;
    /// false (and no change) otherwise. Of two racing releases only one clears it.
    func clearCode(slot: Int, unitClass: Int) -> Bool {
        let shift = UInt64((slot & 15) * 4)
        let code = UInt64(unitClass + 1)
        var current = cells.base[codeCell(slot)].load(ordering: .acquiring)
        while (current >> shift) & 0xF == code {
            let (exchanged, original) = cells.base[codeCell(slot)].compareExchange(
                expected: current, desired: current & ~(0xF << shift), ordering: .acquiringAndReleasing
            )
            if exchanged { return true }
            current = original
        }
        return false
    }

    // MARK: Per-partition state

    /// Index of word `offset` of `partition`'s state in ``partitionState``.
    @inline(__always)
    func stateIndex(_ partition: Int, _ offset: Int) -> Int {
        partition * Self.stateStride + offset
    }

    /// The free count of `unitClass` in `partition`: the low 32 bits, signed, of its count word.
    func freeCount(_ partition: Int, _ unitClass: Int) -> Int {
        let word = partitionState.base[stateIndex(partition, Self.countOffset + unitClass)].load(ordering: .relaxed)
        return Int(Int32(truncatingIfNeeded: word))
    }

    /// The used count of `unitClass` in `partition`: the count word minus its free part, over 2^32.
    func usedCount(_ partition: Int, _ unitClass: Int) -> Int {
        let word = partitionState.base[stateIndex(partition, Self.countOffset + unitClass)].load(ordering: .relaxed)
        return Int((Int64(bitPattern: word) - Int64(Int32(truncatingIfNeeded: word))) >> 32)
    }

    /// Adds to the free and used counts of a class with one atomic add: the count word holds
    /// `used * 2^32 + free` (free may be briefly negative; both stay far below 2^31 because a
    /// pool has at most 2^30 slots).
    func addCounts(_ partition: Int, _ unitClass: Int, free: Int, used: Int) {
        let delta = UInt64(bitPattern: Int64(used) << 32 &+ Int64(free))
        partitionState.base[stateIndex(partition, Self.countOffset + unitClass)].wrappingAdd(delta, ordering: .relaxed)
    }

    /// The next value of the partition's splitmix64 sequence. A plain load and store, not a
    /// read-modify-write: two threads may draw the same value, which only means the same
    /// start, and it saves a locked instruction per allocation.
    func nextRandom(_ partition: Int) -> UInt64 {
        let index = stateIndex(partition, Self.randomOffset)
        var z = partitionState.base[index].load(ordering: .relaxed) &+ 0x9E37_79B9_7F4A_7C15
        partitionState.base[index].store(z, ordering: .relaxed)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    // MARK: Construction

    /// Writes the reserved slots and seeds. Each word is recorded as a change from "all
    /// taken", so counters, hints and zero-word counts start from the same code path that
    /// maintains them.
    func buildInitialState(template: [UInt64]) {
        let slotsPerWord = min(64, slotsPerAddress)
        let addressesPerWord = 64 / slotsPerWord
        let templateWord = slotsPerAddress >= 64 ? 0 : template[0]
        for word in 0..<slotWordCount {
            var value: UInt64
            if slotsPerAddress >= 64 {
                value = template[word % wordsPerAddress]
            } else {
                value = 0
                for position in 0..<addressesPerWord {
                    let filler =
                        word * addressesPerWord + position < addresses.count
                        ? templateWord : SlotBits.runMask(maximumLength)
                    value |= filler << UInt64(position * slotsPerWord)
                }
            }
            cells.base[slotCell(word)].store(value, ordering: .relaxed)
            recordChange(word: word, before: UInt64.max, after: value, partition: partition(ofWord: word))
        }
        if case .random(let seed) = configuration.searchOrder {
            for partition in 0..<partitionCount {
                partitionState.base[stateIndex(partition, Self.randomOffset)].store(
                    seed &+ UInt64(partition) &* 0xD1B5_4A32_D192_ED03, ordering: .relaxed
                )
            }
        }
    }
}
