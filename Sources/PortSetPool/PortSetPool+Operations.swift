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

    /// The partition holding slot word `word`.
    @inline(__always)
    func partition(ofWord word: Int) -> Int {
        let block = word / wordsPerAddress
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
        let start: Int
        let rotation: Int
        if randomOrder {
            let random = nextRandom(partition)
            start = Int(truncatingIfNeeded: random.multipliedFullWidth(by: UInt64(leaves)).high)
            rotation = Int(truncatingIfNeeded: random & 63)
        } else {
            let cursor = Int(truncatingIfNeeded: partitionState.base[stateIndex(partition, Self.cursorOffset + unitClass)].load(ordering: .relaxed))
            start = cursor < leaves ? cursor : 0
            rotation = 0
        }
        var from = start
        var wrapped = false
        while true {
            if let leaf = tree.next(from: from, in: hints.base), !wrapped || leaf < start {
                if let slot = take(partition: partition, unitClass: unitClass, leaf: leaf, rotation: rotation) {
                    if !randomOrder {
                        partitionState.base[stateIndex(partition, Self.cursorOffset + unitClass)].store(UInt64(leaf), ordering: .relaxed)
                    }
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
        guard counter(partition, Self.freeOffset + unitClass) > 0 else { return nil }
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
        let word = slots.base[partitionStarts[partition] + leaf].load(ordering: .sequentiallyConsistent)
        return SlotBits.freeRuns(word, unitClass) != 0
    }

    /// Tries to take a set of class `unitClass` in unit `leaf`; when the unit has none, clears
    /// its hint (then re-checks, so a concurrent release is not lost) and returns nil.
    func take(partition: Int, unitClass: Int, leaf: Int, rotation: Int) -> Int? {
        if unitClass == Self.fullAddressClass {
            let address = partitionStarts[partition] / wordsPerAddress + leaf
            if zeroWordCount(address) >= wordsPerAddress, takeAddress(address, partition: partition) {
                let slot = address << maximumLength
                recordAllocation(slot: slot, unitClass: unitClass, partition: partition)
                return slot
            }
        } else {
            let word = partitionStarts[partition] + leaf
            var current = slots.base[word].load(ordering: .sequentiallyConsistent)
            while true {
                let runs = SlotBits.freeRuns(current, unitClass)
                if runs == 0 { break }
                let bit = SlotBits.pick(runs, rotation: rotation)
                let updated = current | SlotBits.runMask(unitClass) << UInt64(bit)
                let (exchanged, original) = slots.base[word].compareExchange(
                    expected: current, desired: updated, ordering: .sequentiallyConsistent
                )
                if exchanged {
                    recordChange(word: word, before: current, after: updated, partition: partition)
                    let slot = word << 6 | bit
                    recordAllocation(slot: slot, unitClass: unitClass, partition: partition)
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
    func takeBits(word: Int, mask: UInt64, partition: Int) -> Bool {
        var current = slots.base[word].load(ordering: .sequentiallyConsistent)
        while current & mask == 0 {
            let (exchanged, original) = slots.base[word].compareExchange(
                expected: current, desired: current | mask, ordering: .sequentiallyConsistent
            )
            if exchanged {
                recordChange(word: word, before: current, after: current | mask, partition: partition)
                return true
            }
            current = original
        }
        return false
    }

    /// Clears the bits of `mask` in `word` (the caller owns them).
    func releaseBits(word: Int, mask: UInt64, partition: Int) {
        var current = slots.base[word].load(ordering: .sequentiallyConsistent)
        while true {
            let (exchanged, original) = slots.base[word].compareExchange(
                expected: current, desired: current & ~mask, ordering: .sequentiallyConsistent
            )
            if exchanged {
                recordChange(word: word, before: current, after: current & ~mask, partition: partition)
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
        for offset in 0..<wordsPerAddress where !takeBits(word: first + offset, mask: UInt64.max, partition: partition) {
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
    /// zero-word count of a multi-word address.
    func recordChange(word: Int, before: UInt64, after: UInt64, partition: Int) {
        let leaf = word - partitionStarts[partition]
        var freeBefore = ~before
        var freeAfter = ~after
        var runClass = 0
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
                if countBefore != countAfter {
                    addCounter(partition, Self.freeOffset + runClass, countAfter - countBefore)
                }
                let tree = trees[partition * Self.classSlots + runClass]
                if countBefore == 0 {
                    tree.set(leaf, in: hints.base)
                } else if countAfter == 0 {
                    tree.clear(leaf, in: hints.base)
                    let now = slots.base[word].load(ordering: .sequentiallyConsistent)
                    if SlotBits.freeRuns(now, runClass) != 0 { tree.set(leaf, in: hints.base) }
                }
            }
            runClass += 1
        }
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
                addCounter(partition, Self.freeOffset + Self.fullAddressClass, 1)
                tree.set(leaf, in: hints.base)
            }
        } else if zeroWords.base[address].wrappingSubtract(1, ordering: .sequentiallyConsistent).oldValue == full {
            addCounter(partition, Self.freeOffset + Self.fullAddressClass, -1)
            tree.clear(leaf, in: hints.base)
            if zeroWordCount(address) >= wordsPerAddress { tree.set(leaf, in: hints.base) }
        }
    }

    /// The zero-word count of a multi-word address (signed: it may be briefly off by the
    /// operations in flight).
    func zeroWordCount(_ address: Int) -> Int {
        Int(Int64(bitPattern: zeroWords.base[address].load(ordering: .sequentiallyConsistent)))
    }

    /// Marks a set as allocated: its code and the used counter.
    func recordAllocation(slot: Int, unitClass: Int, partition: Int) {
        let shift = UInt64((slot & 15) * 4)
        codes.base[slot >> 4].bitwiseOr(UInt64(unitClass + 1) << shift, ordering: .acquiringAndReleasing)
        addCounter(partition, Self.usedOffset + unitClass, 1)
    }

    /// Clears the code of the set at `slot` if it is exactly a live set of `unitClass`;
    /// false (and no change) otherwise. Of two racing releases only one clears it.
    func clearCode(slot: Int, unitClass: Int) -> Bool {
        let shift = UInt64((slot & 15) * 4)
        let code = UInt64(unitClass + 1)
        var current = codes.base[slot >> 4].load(ordering: .acquiring)
        while (current >> shift) & 0xF == code {
            let (exchanged, original) = codes.base[slot >> 4].compareExchange(
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

    func counter(_ partition: Int, _ offset: Int) -> Int {
        Int(Int64(bitPattern: partitionState.base[stateIndex(partition, offset)].load(ordering: .relaxed)))
    }

    func addCounter(_ partition: Int, _ offset: Int, _ delta: Int) {
        partitionState.base[stateIndex(partition, offset)].wrappingAdd(UInt64(bitPattern: Int64(delta)), ordering: .relaxed)
    }

    /// The next value of the partition's splitmix64 sequence: one atomic add, no lock; two
    /// threads may draw the same value, which only means the same start.
    func nextRandom(_ partition: Int) -> UInt64 {
        var z = partitionState.base[stateIndex(partition, Self.randomOffset)].wrappingAdd(
            0x9E37_79B9_7F4A_7C15, ordering: .relaxed
        ).newValue
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
        for word in 0..<slots.count {
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
            slots.base[word].store(value, ordering: .relaxed)
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
