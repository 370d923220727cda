import PortLeaseWire

/// What the engine knows of one client.
struct LeaseEntry {
    enum State: UInt8 {
        /// No current binding (only, perhaps, a previous one).
        case idle
        /// `current` is offered and held until `expiry`.
        case offered
        /// `current` is leased until `expiry`.
        case bound
    }

    /// The `pool` of a binding that is not there (no previous binding).
    static let noPool: UInt8 = 0xFF

    // Laid out to 64 bytes: the key's 35, then the state byte in its tail, the
    // expiry, both bindings and the subscriber. Nothing else is kept per client:
    // the engine's memory per lease is this, an index slot and a heap entry.
    var key: ClientKey
    /// The state in the low bits, ``queuedBit`` above them.
    private var stateBits: UInt8 = 0
    /// Seconds since the epoch, rounded up: when the offer or lease ends.
    var expirySeconds: UInt32 = 0
    /// Valid when `state` is not idle.
    var current = Binding(address: .zero, psid: 0, psidLength: 0, pool: 0)
    /// The last binding the client held (released or expired), for RFC 7618's
    /// selection step 2; none when its pool is ``noPool``.
    var previous = Binding(address: .zero, psid: 0, psidLength: 0, pool: LeaseEntry.noPool)
    /// The subscriber the current binding counts against (0: none).
    var subscriber: UInt64 = 0

    private static let queuedBit: UInt8 = 0x80

    init(key: ClientKey) {
        self.key = key
    }

    var state: State {
        get { State(rawValue: stateBits & ~Self.queuedBit) ?? .idle }
        set { stateBits = stateBits & Self.queuedBit | newValue.rawValue }
    }

    /// Whether the engine's expiry queue holds an entry for this id whose deadline
    /// is at or before `expirySeconds`, so a later deadline needs no new entry.
    var queued: Bool {
        get { stateBits & Self.queuedBit != 0 }
        set { stateBits = newValue ? stateBits | Self.queuedBit : stateBits & ~Self.queuedBit }
    }

    /// Milliseconds since the epoch; stored as whole seconds, rounded up (DHCP lease
    /// times are seconds, so a lease may last up to a second longer, never shorter).
    var expiry: Int64 {
        get { Int64(expirySeconds) * 1000 }
        set { expirySeconds = Self.seconds(newValue) }
    }

    /// Whether a previous binding is remembered; setting false forgets it.
    var hasPrevious: Bool {
        get { previous.pool != Self.noPool }
        set { if !newValue { previous.pool = Self.noPool } }
    }

    /// `milliseconds` as whole seconds, rounded up, within UInt32.
    static func seconds(_ milliseconds: Int64) -> UInt32 {
        UInt32(clamping: (milliseconds + 999) / 1000)
    }
}

/// One shard's clients: entries in a flat array (no object per lease), found by
/// client key through an index of ids (``IDIndex``) whose keys are the entries'
/// own fields. Previous bindings are also indexed by slot, so a client's previous
/// binding is forgotten once another client takes its slots; current bindings are
/// not (nothing on the packet path looks a client up by the slots it holds).
struct LeaseTable {
    private(set) var entries: [LeaseEntry] = []
    private var freeIDs: [UInt32] = []
    /// Entries by client key.
    private var byClient = IDIndex()
    /// Entries by the slot key of their previous binding.
    private var byPreviousSlot = IDIndex()
    /// Mixed into every hash: clients choose their keys, and must not be able to
    /// choose where they land in the indexes.
    private let seed = UInt64.random(in: .min ... .max)

    /// Number of clients known (with a current or a previous binding).
    var clientCount: Int { byClient.count }

    /// The entry `id`, read and changed in place (a get/set pair would copy the
    /// whole entry, key included, for every field the engine touches).
    subscript(id: UInt32) -> LeaseEntry {
        _read { yield entries[Int(id)] }
        _modify { yield &entries[Int(id)] }
    }

    func find(_ key: ClientKey) -> UInt32? {
        find(key, Self.hash(key, seed: seed))
    }

    private func find(_ key: ClientKey, _ hash: UInt32) -> UInt32? {
        byClient.find(hash) { entries[Int($0)].key == key }.map { byClient[$0] }
    }

    /// The entry of `key`, created idle if it did not exist.
    mutating func findOrCreate(_ key: ClientKey) -> UInt32 {
        let hash = Self.hash(key, seed: seed)
        if let id = find(key, hash) { return id }
        let entry = LeaseEntry(key: key)
        let id: UInt32
        if let reused = freeIDs.popLast() {
            id = reused
            entries[Int(id)] = entry
        } else {
            id = UInt32(entries.count)
            entries.append(entry)
        }
        let (entries, seed) = (entries, seed)
        byClient.insert(hash, id) { Self.hash(entries[Int($0)].key, seed: seed) }
        return id
    }

    /// The client whose current binding is exactly `binding`'s slots: a scan, for
    /// introspection only.
    func holder(of binding: Binding) -> UInt32? {
        entries.indices.first { entries[$0].state != .idle && entries[$0].current == binding }.map { UInt32($0) }
    }

    private func previousPosition(_ slot: UInt64) -> Int? {
        byPreviousSlot.find(Self.hash(slot: slot, seed: seed)) { entries[Int($0)].previous.slotKey == slot }
    }

    /// Makes `binding` the current binding of `id` in `state` until `expiry`, and
    /// forgets any other client's previous binding on the same slots.
    ///
    /// Returns whether the caller must queue `expiry` for this id: when nothing is
    /// queued for it yet, or the new deadline is earlier than the one it replaces.
    /// A later deadline (a renewal, an offer taken up) needs no new queue entry:
    /// the queued one surfaces first and is queued again then (see
    /// ``LeaseEngine/expire(now:records:)``), so the queue holds one entry per
    /// client instead of one per renewal.
    mutating func setCurrent(_ id: UInt32, _ binding: Binding, _ state: LeaseEntry.State, expiry: Int64) -> Bool {
        let slot = binding.slotKey
        if let position = previousPosition(slot), byPreviousSlot[position] != id {
            forgetPrevious(byPreviousSlot[position])
        }
        let before = entries[Int(id)].expirySeconds
        entries[Int(id)].current = binding
        entries[Int(id)].state = state
        entries[Int(id)].expiry = expiry
        if entries[Int(id)].hasPrevious && entries[Int(id)].previous == binding {
            if let position = previousPosition(slot) { removePrevious(at: position) }
            entries[Int(id)].hasPrevious = false
        }
        guard !entries[Int(id)].queued || entries[Int(id)].expirySeconds < before else { return false }
        entries[Int(id)].queued = true
        return true
    }

    /// Ends the current binding of `id`; it becomes the previous binding when
    /// `keepAsPrevious`, and the entry is dropped when nothing is left.
    mutating func clearCurrent(_ id: UInt32, keepAsPrevious: Bool) {
        var entry = entries[Int(id)]
        guard entry.state != .idle else { return }
        entry.state = .idle
        entry.subscriber = 0
        if keepAsPrevious {
            if entry.hasPrevious, let position = previousPosition(entry.previous.slotKey) {
                removePrevious(at: position)
            }
            // Any other holder of this slot as its previous binding, which the
            // index then forgets (its entry keeps the flag, as before).
            let slot = entry.current.slotKey
            let existing = previousPosition(slot)
            entry.previous = entry.current
            entries[Int(id)] = entry
            if let existing {
                byPreviousSlot.replace(at: existing, with: id)
            } else {
                let (entries, seed) = (entries, seed)
                byPreviousSlot.insert(Self.hash(slot: slot, seed: seed), id) {
                    Self.hash(slot: entries[Int($0)].previous.slotKey, seed: seed)
                }
            }
        } else {
            entries[Int(id)] = entry
        }
        if !entry.hasPrevious { remove(id) }
    }

    /// Forgets the previous binding of `id` (dropping the entry if idle).
    mutating func forgetPrevious(_ id: UInt32) {
        guard entries[Int(id)].hasPrevious else { return }
        if let position = previousPosition(entries[Int(id)].previous.slotKey) { removePrevious(at: position) }
        entries[Int(id)].hasPrevious = false
        if entries[Int(id)].state == .idle { remove(id) }
    }

    /// Drops `id` if it holds nothing (an entry created for a record that did not apply).
    mutating func dropIfEmpty(_ id: UInt32) {
        if entries[Int(id)].state == .idle && !entries[Int(id)].hasPrevious && find(entries[Int(id)].key) == id {
            remove(id)
        }
    }

    private mutating func removePrevious(at position: Int) {
        let (entries, seed) = (entries, seed)
        byPreviousSlot.remove(at: position) { Self.hash(slot: entries[Int($0)].previous.slotKey, seed: seed) }
    }

    private mutating func remove(_ id: UInt32) {
        let (entries, seed) = (entries, seed)
        if let position = byClient.find(Self.hash(entries[Int(id)].key, seed: seed), where: { $0 == id }) {
            byClient.remove(at: position) { Self.hash(entries[Int($0)].key, seed: seed) }
        }
        freeIDs.append(id)
    }

    /// Reserves room for `count` clients.
    mutating func reserveCapacity(_ count: Int) {
        entries.reserveCapacity(count)
        let (entries, seed) = (entries, seed)
        byClient.reserveCapacity(count) { Self.hash(entries[Int($0)].key, seed: seed) }
    }

    // MARK: - Hashing

    /// The index hash of a client key: its bytes eight at a time through a
    /// multiply-xorshift mix, seeded per table.
    private static func hash(_ key: ClientKey, seed: UInt64) -> UInt32 {
        key.withUnsafeBytes { raw in
            var hash = seed ^ UInt64(key.kind.rawValue) << 56 ^ UInt64(raw.count) << 48
            var offset = 0
            while offset + 8 <= raw.count {
                hash = IDIndex.mix(hash ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                offset += 8
            }
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while offset < raw.count {
                tail |= UInt64(raw[offset]) << shift
                shift += 8
                offset += 1
            }
            return UInt32(truncatingIfNeeded: IDIndex.mix(hash ^ tail) >> 32)
        }
    }

    /// The index hash of a binding's slot key.
    private static func hash(slot: UInt64, seed: UInt64) -> UInt32 {
        IDIndex.hash(slot, seed: seed)
    }
}
