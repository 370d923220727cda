import PortLeaseWire

/// One shard's clients: 48-byte slots (``LeaseSlot``: the entry and the key's
/// first bytes) in a flat array, no object per lease, found by client key through
/// an index of ids (``IDIndex``) whose keys are the slots' own. Long keys keep
/// their tails in ``KeyOverflow``. Previous bindings are also indexed by slot, so
/// a client's previous binding is forgotten once another client takes its slots;
/// current bindings are not (nothing on the packet path looks a client up by the
/// slots it holds).
struct LeaseTable {
    private var slots: [LeaseSlot] = []
    private var freeIDs: [UInt32] = []
    private var overflow = KeyOverflow()
    /// Entries by client key.
    private var byClient = IDIndex()
    /// Entries by the slot key of their previous binding.
    private var byPreviousSlot = IDIndex()
    /// Mixed into every hash: clients choose their keys, and must not be able to
    /// choose where they land in the indexes.
    private let seed = UInt64.random(in: .min ... .max)

    /// Number of clients known (with a current or a previous binding).
    var clientCount: Int { byClient.count }

    /// The entry `id`, read and changed in place.
    subscript(id: UInt32) -> LeaseEntry {
        _read { yield slots[Int(id)].entry }
        _modify { yield &slots[Int(id)].entry }
    }

    /// Whether `id` names a slot (in use or free) of the table.
    func contains(_ id: UInt32) -> Bool {
        Int(id) < slots.count
    }

    /// The client key of `id`. `mutating` for speed only: see ``find(_:)``.
    mutating func key(of id: UInt32) -> ClientKey {
        let slot = slots[Int(id)]
        let kind = ClientKey.Kind(rawValue: slot.entry.keyKind) ?? .clientIdentifier
        return Self.withKeyBytes(slot, overflow) { ClientKey(kind: kind, bytes: $0) }
    }

    /// The ids of every client with a current binding (offered or bound), in no
    /// particular order: a scan, for introspection. (A free slot is always idle.)
    var activeIDs: [UInt32] {
        slots.indices.filter { slots[$0].entry.state != .idle }.map { UInt32($0) }
    }

    /// The id of `key`, if known.
    ///
    /// `mutating` although it changes nothing, like ``key(of:)``: the engine holds
    /// the table in a class, and a non-mutating call on a struct stored in a class
    /// copies the struct first (a retain and a release of each of its six arrays),
    /// where a mutating call works on it in place. Measured at 5% of a DORA's
    /// instructions.
    mutating func find(_ key: ClientKey) -> UInt32? {
        key.withUnsafeBytes { bytes in
            find(key.kind.rawValue, bytes, Self.hash(kind: key.kind.rawValue, bytes, seed: seed))
        }
    }

    /// The id of the key of `kind` with `bytes`, whose hash is `hash`.
    private func find(_ kind: UInt8, _ bytes: UnsafeRawBufferPointer, _ hash: UInt32) -> UInt32? {
        let length = UInt8(truncatingIfNeeded: bytes.count)
        let words = LeaseSlot.keyWords(bytes, handle: 0)
        let position: Int?
        if bytes.count <= LeaseSlot.inlineKeyBytes {
            position = byClient.find(hash) { id in
                let slot = slots[Int(id)]
                return slot.entry.keyKind == kind && slot.entry.keyLength == length && slot.key == words
            }
        } else {
            let tail = UnsafeRawBufferPointer(rebasing: bytes[LeaseSlot.longKeyPrefix...])
            position = byClient.find(hash) { id in
                let slot = slots[Int(id)]
                guard slot.entry.keyKind == kind, slot.entry.keyLength == length, slot.key.0 == words.0,
                    UInt32(truncatingIfNeeded: slot.key.1) == UInt32(truncatingIfNeeded: words.1)
                else { return false }
                return overflow.withBytes(slot.overflowHandle, count: tail.count) { $0.elementsEqual(tail) }
            }
        }
        return position.map { byClient[$0] }
    }

    /// The entry of `key`, created idle if it did not exist.
    mutating func findOrCreate(_ key: ClientKey) -> UInt32 {
        key.withUnsafeBytes { bytes in
            let kind = key.kind.rawValue
            let hash = Self.hash(kind: kind, bytes, seed: seed)
            if let id = find(kind, bytes, hash) { return id }
            let handle =
                bytes.count > LeaseSlot.inlineKeyBytes
                ? self.overflow.store(UnsafeRawBufferPointer(rebasing: bytes[LeaseSlot.longKeyPrefix...])) : 0
            let slot = LeaseSlot(
                entry: LeaseEntry(keyKind: key.kind, keyLength: bytes.count),
                key: LeaseSlot.keyWords(bytes, handle: handle))
            let id: UInt32
            if let reused = freeIDs.popLast() {
                id = reused
                self.slots[Int(id)] = slot
            } else {
                id = UInt32(self.slots.count)
                self.slots.append(slot)
            }
            byClient.insert(hash, id)
            return id
        }
    }

    /// The client whose current binding is exactly `binding`'s slots: a scan, for
    /// introspection only.
    func holder(of binding: Binding) -> UInt32? {
        holder(of: binding, in: 0..<slots.count)
    }

    /// The same, among the slots `range` only (clamped to the table): a search in steps.
    func holder(of binding: Binding, in range: Range<Int>) -> UInt32? {
        for index in range.clamped(to: 0..<slots.count) {
            let entry = slots[index].entry
            if entry.state != .idle && entry.current == binding { return UInt32(index) }
        }
        return nil
    }

    /// Slots in the table (in use or free): where a search in steps ends.
    var slotCount: Int { slots.count }

    private func previousPosition(_ slot: UInt64) -> Int? {
        byPreviousSlot.find(Self.hash(slot: slot, seed: seed)) { slots[Int($0)].entry.previous.slotKey == slot }
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
        if byPreviousSlot.count > 0, let position = previousPosition(slot), byPreviousSlot[position] != id {
            forgetPrevious(byPreviousSlot[position])
        }
        let before = slots[Int(id)].entry.expirySeconds
        slots[Int(id)].entry.current = binding
        slots[Int(id)].entry.state = state
        slots[Int(id)].entry.expiry = expiry
        if slots[Int(id)].entry.hasPrevious && slots[Int(id)].entry.previous == binding {
            if let position = previousPosition(slot) { removePrevious(at: position) }
            slots[Int(id)].entry.hasPrevious = false
        }
        guard !slots[Int(id)].entry.queued || slots[Int(id)].entry.expirySeconds < before else { return false }
        slots[Int(id)].entry.queued = true
        return true
    }

    /// Ends the current binding of `id`; it becomes the previous binding when
    /// `keepAsPrevious`, and the entry is dropped when nothing is left.
    mutating func clearCurrent(_ id: UInt32, keepAsPrevious: Bool) {
        var entry = slots[Int(id)].entry
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
            slots[Int(id)].entry = entry
            if let existing {
                byPreviousSlot.replace(at: existing, with: id)
            } else {
                byPreviousSlot.insert(Self.hash(slot: slot, seed: seed), id)
            }
        } else {
            slots[Int(id)].entry = entry
        }
        if !entry.hasPrevious { remove(id) }
    }

    /// Forgets the previous binding of `id` (dropping the entry if idle).
    mutating func forgetPrevious(_ id: UInt32) {
        guard slots[Int(id)].entry.hasPrevious else { return }
        if let position = previousPosition(slots[Int(id)].entry.previous.slotKey) { removePrevious(at: position) }
        slots[Int(id)].entry.hasPrevious = false
        if slots[Int(id)].entry.state == .idle { remove(id) }
    }

    /// Drops `id` if it holds nothing (an entry created for a record that did not apply).
    mutating func dropIfEmpty(_ id: UInt32) {
        if slots[Int(id)].entry.state == .idle && !slots[Int(id)].entry.hasPrevious && find(key(of: id)) == id {
            remove(id)
        }
    }

    private mutating func removePrevious(at position: Int) {
        byPreviousSlot.remove(at: position)
    }

    private mutating func remove(_ id: UInt32) {
        let slot = slots[Int(id)]
        if let position = byClient.find(Self.keyHash(slot, overflow, seed: seed), where: { $0 == id }) {
            byClient.remove(at: position)
        }
        let length = Int(slot.entry.keyLength)
        if length > LeaseSlot.inlineKeyBytes {
            self.overflow.release(slot.overflowHandle, count: length - LeaseSlot.longKeyPrefix)
        }
        freeIDs.append(id)
    }

    /// Reserves room for `count` clients.
    mutating func reserveCapacity(_ count: Int) {
        slots.reserveCapacity(count)
        byClient.reserveCapacity(count)
    }

    // MARK: - Keys and hashing

    /// Calls `body` with the key bytes of `slot`.
    private static func withKeyBytes<Result>(
        _ slot: LeaseSlot, _ overflow: KeyOverflow, _ body: (UnsafeRawBufferPointer) -> Result
    ) -> Result {
        let length = Int(slot.entry.keyLength)
        return withUnsafeBytes(of: slot.key) { inline in
            if length <= LeaseSlot.inlineKeyBytes {
                return body(UnsafeRawBufferPointer(start: inline.baseAddress, count: length))
            }
            return overflow.withBytes(slot.overflowHandle, count: length - LeaseSlot.longKeyPrefix) { tail in
                withUnsafeTemporaryAllocation(byteCount: length, alignment: 8) { whole in
                    whole.copyMemory(from: UnsafeRawBufferPointer(rebasing: inline.prefix(LeaseSlot.longKeyPrefix)))
                    UnsafeMutableRawBufferPointer(rebasing: whole[LeaseSlot.longKeyPrefix...]).copyMemory(from: tail)
                    return body(UnsafeRawBufferPointer(whole))
                }
            }
        }
    }

    /// The index hash of the key in `slot`.
    private static func keyHash(_ slot: LeaseSlot, _ overflow: KeyOverflow, seed: UInt64) -> UInt32 {
        withKeyBytes(slot, overflow) { hash(kind: slot.entry.keyKind, $0, seed: seed) }
    }

    /// The index hash of a client key: its bytes eight at a time through a
    /// multiply-xorshift mix, seeded per table.
    private static func hash(kind: UInt8, _ raw: UnsafeRawBufferPointer, seed: UInt64) -> UInt32 {
        var hash = seed ^ UInt64(kind) << 56 ^ UInt64(raw.count) << 48
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

    /// The index hash of a binding's slot key.
    private static func hash(slot: UInt64, seed: UInt64) -> UInt32 {
        IDIndex.hash(slot, seed: seed)
    }
}
