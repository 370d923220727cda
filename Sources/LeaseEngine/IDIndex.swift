/// An open-addressing hash index from keys to lease ids, for ``LeaseTable``.
///
/// The keys themselves live in the table's entries; a slot holds only the key's
/// 32-bit hash and the id (8 bytes), so the index costs 11 to 21 bytes per client
/// where a `Dictionary<ClientKey, UInt32>` costs about 90, and a lookup compares a
/// stored hash before touching an entry. Linear probing, at most 3/4 full, and
/// backward-shift deletion (no tombstones), so a table that churns clients never
/// degrades or needs rebuilding. The caller hashes and compares keys: see
/// ``find(_:where:)``.
struct IDIndex {
    /// 0: empty; otherwise the key's hash in the high 32 bits and id + 1 in the low 32.
    private var slots: [UInt64] = []
    /// `slots.count - 1` (a power of two minus one) once there are slots.
    private var mask = 0
    private(set) var count = 0

    /// The position of the entry whose key hashes to `hash` and for whose id
    /// `matches` is true, if any.
    func find(_ hash: UInt32, where matches: (UInt32) -> Bool) -> Int? {
        guard !slots.isEmpty else { return nil }
        var position = Int(hash) & mask
        while true {
            let slot = slots[position]
            if slot == 0 { return nil }
            if UInt32(truncatingIfNeeded: slot >> 32) == hash && matches(Self.id(of: slot)) { return position }
            position = (position + 1) & mask
        }
    }

    /// The id at `position` (from ``find(_:where:)``).
    subscript(position: Int) -> UInt32 {
        Self.id(of: slots[position])
    }

    /// Adds `id` under `hash`; the caller knows the key is not present.
    mutating func insert(_ hash: UInt32, _ id: UInt32) {
        if (count + 1) * 4 > slots.count * 3 { resize(max(16, slots.count * 2)) }
        place(UInt64(hash) << 32 | UInt64(id + 1))
        count += 1
    }

    /// Points the entry at `position` to `id` (same key).
    mutating func replace(at position: Int, with id: UInt32) {
        slots[position] = slots[position] & 0xFFFF_FFFF_0000_0000 | UInt64(id + 1)
    }

    /// Removes the entry at `position`, moving later entries of its probe run back.
    mutating func remove(at position: Int) {
        var hole = position
        var next = position
        while true {
            next = (next + 1) & mask
            let slot = slots[next]
            if slot == 0 { break }
            let home = Int(truncatingIfNeeded: slot >> 32) & mask
            // The entry at `next` may fill the hole when the hole lies on its probe
            // path, from its home position up to where it is.
            if (next - home) & mask >= (next - hole) & mask {
                slots[hole] = slot
                hole = next
            }
        }
        slots[hole] = 0
        count -= 1
    }

    /// Makes room for `capacity` entries without growing.
    mutating func reserveCapacity(_ capacity: Int) {
        var size = max(16, slots.count)
        while capacity * 4 > size * 3 { size *= 2 }
        if size > slots.count { resize(size) }
    }

    private mutating func resize(_ size: Int) {
        let old = slots
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
        for slot in old where slot != 0 { place(slot) }
    }

    private mutating func place(_ slot: UInt64) {
        var position = Int(truncatingIfNeeded: slot >> 32) & mask
        while slots[position] != 0 { position = (position + 1) & mask }
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

    private static func id(of slot: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: slot) &- 1
    }
}
