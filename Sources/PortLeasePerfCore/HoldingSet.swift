import PortLeaseWire

/// The (IPv4 address, port set) tuples the simulated subscribers hold, checked for overlap.
///
/// A port set with PSID length `k` and PSID `p` (offset fixed per address) is a node of a
/// binary tree per address: the full address is the root (`k` = 0), and `(k, p)` contains every
/// `(k', p')` with `k' > k` and `p' >> (k' - k) == p`. Two sets overlap exactly when one is an
/// ancestor of (or equal to) the other, so different PSID lengths on one address are caught
/// too. Each node keeps "held" and the number of held sets below it; inserting checks the
/// node's ancestors and its own count (at most 17 probes), then counts itself into its
/// ancestors.
///
/// Storage (a class: it owns its table): one open-addressing table (linear probing, backward-shift deletion) of 64-bit
/// keys `address << 32 | k << 16 | p` and 32-bit values, allocated up front and doubled when
/// half full, so the steady state allocates nothing.
public final class HoldingSet {
    private static let empty = UInt64.max
    private static let heldBit: UInt32 = 1 << 31

    private var keys: UnsafeMutablePointer<UInt64>
    private var values: UnsafeMutablePointer<UInt32>
    private var capacity: Int
    private var used = 0
    /// The number of port sets held.
    public private(set) var count = 0

    /// Room for about `expected` held sets before the table grows.
    public init(expected: Int = 1024) {
        var size = 64
        while size < expected * 4 { size <<= 1 }
        capacity = size
        keys = .allocate(capacity: size)
        keys.initialize(repeating: Self.empty, count: size)
        values = .allocate(capacity: size)
        values.initialize(repeating: 0, count: size)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    /// Records that `address` with port set `params` (nil: the whole address) is held. Returns
    /// false, changing nothing, when it overlaps a set already held.
    public func insert(_ address: IPv4Address, _ params: PortParams?) -> Bool {
        let (length, psid) = Self.node(params)
        for level in 0...length {
            let key = Self.key(address, level, psid >> UInt16(length - level))
            if let slot = find(key), values[slot] & Self.heldBit != 0 { return false }
        }
        let own = Self.key(address, length, psid)
        if let slot = find(own), values[slot] & ~Self.heldBit != 0 { return false }
        // The slot first: creating it may grow the table, which replaces `values`.
        let slot = slotCreating(own)
        values[slot] |= Self.heldBit
        for level in 0..<length {
            let ancestor = slotCreating(Self.key(address, level, psid >> UInt16(length - level)))
            values[ancestor] += 1
        }
        count += 1
        return true
    }

    /// Forgets a set recorded by `insert` (nothing happens if it is not held).
    public func remove(_ address: IPv4Address, _ params: PortParams?) {
        let (length, psid) = Self.node(params)
        let own = Self.key(address, length, psid)
        guard let slot = find(own), values[slot] & Self.heldBit != 0 else { return }
        values[slot] &= ~Self.heldBit
        if values[slot] == 0 { erase(slot) }
        for level in 0..<length {
            let key = Self.key(address, level, psid >> UInt16(length - level))
            guard let ancestor = find(key) else { continue }
            values[ancestor] -= 1
            if values[ancestor] == 0 { erase(ancestor) }
        }
        count -= 1
    }

    /// Whether exactly this set is held.
    public func contains(_ address: IPv4Address, _ params: PortParams?) -> Bool {
        let (length, psid) = Self.node(params)
        guard let slot = find(Self.key(address, length, psid)) else { return false }
        return values[slot] & Self.heldBit != 0
    }

    private static func node(_ params: PortParams?) -> (Int, UInt16) {
        guard let params, params.psidLength > 0 else { return (0, 0) }
        return (Int(params.psidLength), params.psid)
    }

    private static func key(_ address: IPv4Address, _ length: Int, _ psid: UInt16) -> UInt64 {
        UInt64(address.value) << 32 | UInt64(length) << 16 | UInt64(psid)
    }

    private func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & (capacity - 1)
    }

    private func find(_ key: UInt64) -> Int? {
        var slot = home(key)
        while true {
            let probe = keys[slot]
            if probe == key { return slot }
            if probe == Self.empty { return nil }
            slot = (slot + 1) & (capacity - 1)
        }
    }

    private func slotCreating(_ key: UInt64) -> Int {
        if let slot = find(key) { return slot }
        if (used + 1) * 2 > capacity { grow() }
        var slot = home(key)
        while keys[slot] != Self.empty { slot = (slot + 1) & (capacity - 1) }
        keys[slot] = key
        values[slot] = 0
        used += 1
        return slot
    }

    /// Backward-shift deletion: later entries of the probe run move into the hole.
    private func erase(_ slot: Int) {
        var hole = slot
        var next = (slot + 1) & (capacity - 1)
        while keys[next] != Self.empty {
            let want = home(keys[next])
            // Move `next` into `hole` when its home is not within (hole, next] cyclically.
            let distanceToHole = (hole - want) & (capacity - 1)
            let distanceToNext = (next - want) & (capacity - 1)
            if distanceToHole < distanceToNext {
                keys[hole] = keys[next]
                values[hole] = values[next]
                hole = next
            }
            next = (next + 1) & (capacity - 1)
        }
        keys[hole] = Self.empty
        values[hole] = 0
        used -= 1
    }

    private func grow() {
        let oldKeys = keys
        let oldValues = values
        let oldCapacity = capacity
        capacity *= 2
        keys = .allocate(capacity: capacity)
        keys.initialize(repeating: Self.empty, count: capacity)
        values = .allocate(capacity: capacity)
        values.initialize(repeating: 0, count: capacity)
        for index in 0..<oldCapacity where oldKeys[index] != Self.empty {
            var slot = home(oldKeys[index])
            while keys[slot] != Self.empty { slot = (slot + 1) & (capacity - 1) }
            keys[slot] = oldKeys[index]
            values[slot] = oldValues[index]
        }
        oldKeys.deallocate()
        oldValues.deallocate()
    }
}
