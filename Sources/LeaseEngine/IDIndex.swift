/// An open-addressing hash index from keys to lease ids, for ``LeaseTable``.
///
/// The keys themselves live in the table's slots. An index slot is 8 bytes: the
/// key's 32-bit hash and the id + 1, so a probe touches a lease only when the whole
/// hash matches, and removing or moving keys never reads the leases (a version
/// with 4-byte slots, id and a few hash bits, saved 5 bytes per client but had to
/// rehash a probe run's keys from their leases on every removal: a cache miss
/// each, which made a DORA that retires an old client about 1.5 µs slower).
/// Reserved for n keys the index costs 10 bytes per key (see ``OpenAddressing``),
/// where a `Dictionary<ClientKey, UInt32>` costs about 90. The caller hashes and
/// compares keys: see ``find(_:where:)``.
struct IDIndex {
    /// 0: empty; otherwise the key's hash in the high 32 bits and id + 1 in the low 32.
    private var slots: [UInt64] = []
    private(set) var count = 0

    /// The position of the entry whose key hashes to `hash` and for whose id
    /// `matches` is true, if any.
    func find(_ hash: UInt32, where matches: (UInt32) -> Bool) -> Int? {
        guard count > 0 else { return nil }
        var position = OpenAddressing.home(hash, capacity: slots.count)
        while true {
            let slot = slots[position]
            if slot == 0 { return nil }
            if Self.hash(of: slot) == hash && matches(Self.id(of: slot)) { return position }
            position = OpenAddressing.next(position, capacity: slots.count)
        }
    }

    /// The id at `position` (from ``find(_:where:)``).
    subscript(position: Int) -> UInt32 {
        Self.id(of: slots[position])
    }

    /// Adds `id` under `hash`; the caller knows the key is not present.
    mutating func insert(_ hash: UInt32, _ id: UInt32) {
        if !OpenAddressing.fits(count + 1, in: slots.count) {
            resize(OpenAddressing.slots(for: max(count + 1, 2 * count)))
        }
        place(UInt64(hash) << 32 | UInt64(id + 1))
        count += 1
    }

    /// Points the entry at `position` to `id` (same key).
    mutating func replace(at position: Int, with id: UInt32) {
        slots[position] = slots[position] & 0xFFFF_FFFF_0000_0000 | UInt64(id + 1)
    }

    /// Removes the entry at `position`, moving later entries of its probe run back.
    mutating func remove(at position: Int) {
        let capacity = slots.count
        OpenAddressing.remove(
            at: position, capacity: capacity,
            home: { slots[$0] == 0 ? nil : OpenAddressing.home(Self.hash(of: slots[$0]), capacity: capacity) },
            move: { slots[$1] = slots[$0] }, clear: { slots[$0] = 0 })
        count -= 1
    }

    /// Makes room for `capacity` entries without growing.
    mutating func reserveCapacity(_ capacity: Int) {
        let size = OpenAddressing.slots(for: capacity)
        if size > slots.count { resize(size) }
    }

    private mutating func resize(_ size: Int) {
        let old = slots
        slots = [UInt64](repeating: 0, count: size)
        for slot in old where slot != 0 { place(slot) }
    }

    private mutating func place(_ slot: UInt64) {
        var position = OpenAddressing.home(Self.hash(of: slot), capacity: slots.count)
        while slots[position] != 0 { position = OpenAddressing.next(position, capacity: slots.count) }
        slots[position] = slot
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

    private static func hash(of slot: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: slot >> 32)
    }

    private static func id(of slot: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: slot) &- 1
    }
}
