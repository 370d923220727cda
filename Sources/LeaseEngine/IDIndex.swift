/// An open-addressing hash index from keys to lease ids, for ``LeaseTable``.
///
/// The keys themselves live in the table's entries. A slot is 4 bytes: the id + 1
/// in the low `idBits` bits and, above it, as many low bits of the key's hash as
/// are left (8 with ten million ids, 12 with a million) as a tag, so a probe
/// touches an entry only when the tag matches (1 in 256 or better otherwise).
/// Reserved for n keys the index costs 5 bytes per key (see ``OpenAddressing``),
/// where a `Dictionary<ClientKey, UInt32>` costs about 90.
///
/// Slots do not hold the whole hash, so moving keys (on removal and on growth)
/// asks the caller for a key's hash by id: see the `rehash` arguments. The caller
/// also compares keys: see ``find(_:where:)``.
struct IDIndex {
    /// 0: empty; otherwise tag << idBits | (id + 1).
    private var slots: [UInt32] = []
    /// Bits of a slot holding id + 1; widened as larger ids arrive.
    private var idBits = 16
    private(set) var count = 0

    private var tagMask: UInt32 { UInt32.max >> idBits }

    /// The position of the entry whose key hashes to `hash` and for whose id
    /// `matches` is true, if any.
    func find(_ hash: UInt32, where matches: (UInt32) -> Bool) -> Int? {
        guard count > 0 else { return nil }
        let tag = hash & tagMask
        let idMask = UInt32.max >> (32 - idBits)
        var position = OpenAddressing.home(hash, capacity: slots.count)
        while true {
            let slot = slots[position]
            if slot == 0 { return nil }
            if slot >> idBits == tag && matches((slot & idMask) &- 1) { return position }
            position = OpenAddressing.next(position, capacity: slots.count)
        }
    }

    /// The id at `position` (from ``find(_:where:)``).
    subscript(position: Int) -> UInt32 {
        (slots[position] & (UInt32.max >> (32 - idBits))) &- 1
    }

    /// Adds `id` under `hash`; the caller knows the key is not present. `rehash`
    /// gives the hash of the key of an id already in the index (for growing).
    mutating func insert(_ hash: UInt32, _ id: UInt32, rehash: (UInt32) -> UInt32) {
        if !OpenAddressing.fits(count + 1, in: slots.count) {
            resize(OpenAddressing.slots(for: max(count + 1, 2 * count)), rehash: rehash)
        }
        if UInt64(id) + 1 > UInt64(UInt32.max >> (32 - idBits)) { widen(toFit: id) }
        place(hash, id)
        count += 1
    }

    /// Points the entry at `position` to `id` (same key).
    mutating func replace(at position: Int, with id: UInt32) {
        if UInt64(id) + 1 > UInt64(UInt32.max >> (32 - idBits)) { widen(toFit: id) }
        let idMask = UInt32.max >> (32 - idBits)
        slots[position] = slots[position] & ~idMask | (id + 1)
    }

    /// Removes the entry at `position`, moving later entries of its probe run back.
    mutating func remove(at position: Int, rehash: (UInt32) -> UInt32) {
        let capacity = slots.count
        var hole = position
        var next = position
        while true {
            next = OpenAddressing.next(next, capacity: capacity)
            let slot = slots[next]
            if slot == 0 { break }
            let home = OpenAddressing.home(rehash(self[next]), capacity: capacity)
            if OpenAddressing.mayFill(hole: hole, from: next, home: home, capacity: capacity) {
                slots[hole] = slot
                hole = next
            }
        }
        slots[hole] = 0
        count -= 1
    }

    /// Makes room for `capacity` entries without growing.
    mutating func reserveCapacity(_ capacity: Int, rehash: (UInt32) -> UInt32) {
        let size = OpenAddressing.slots(for: capacity)
        if size > slots.count { resize(size, rehash: rehash) }
    }

    private mutating func resize(_ size: Int, rehash: (UInt32) -> UInt32) {
        let old = slots
        let oldIDMask = UInt32.max >> (32 - idBits)
        // Ids are about as many as the keys, so room for ids up to the new size
        // now saves widening (a pass over every slot) as they grow.
        idBits = max(idBits, min(Int.bitWidth - size.leadingZeroBitCount, 31))
        slots = [UInt32](repeating: 0, count: size)
        for slot in old where slot != 0 {
            let id = (slot & oldIDMask) &- 1
            place(rehash(id), id)
        }
    }

    /// Makes the id field wide enough for `id` + 1, keeping fewer tag bits (the
    /// tag is the hash's low bits, so a narrower tag is the old one masked).
    private mutating func widen(toFit id: UInt32) {
        let oldBits = idBits
        while UInt64(id) + 1 > UInt64(UInt32.max >> (32 - idBits)) { idBits += 1 }
        let oldIDMask = UInt32.max >> (32 - oldBits)
        for position in slots.indices where slots[position] != 0 {
            let slot = slots[position]
            slots[position] = ((slot >> oldBits) & tagMask) << idBits | slot & oldIDMask
        }
    }

    private mutating func place(_ hash: UInt32, _ id: UInt32) {
        var position = OpenAddressing.home(hash, capacity: slots.count)
        while slots[position] != 0 { position = OpenAddressing.next(position, capacity: slots.count) }
        slots[position] = (hash & tagMask) << idBits | (id + 1)
    }

    /// The index hash of a 64-bit key under `seed`.
    static func hash(_ key: UInt64, seed: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: mix(seed ^ key) >> 32)
    }

    /// SplitMix64's finaliser: every input bit moves every output bit. The
    /// building block of the callers' seeded hashes.
    static func mix(_ value: UInt64) -> UInt64 {
        var value = value
        value = (value ^ value >> 30) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ value >> 27) &* 0x94D0_49BB_1331_11EB
        return value ^ value >> 31
    }
}
