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

    var key: ClientKey
    var state: State = .idle
    /// Valid when `state` is not idle.
    var current = Binding(address: .zero, psid: 0, psidLength: 0, pool: 0)
    /// The last binding the client held (released or expired), for RFC 7618's
    /// selection step 2; valid when `hasPrevious`.
    var previous = Binding(address: .zero, psid: 0, psidLength: 0, pool: 0)
    var hasPrevious = false
    /// Milliseconds since the epoch: when the offer or lease ends.
    var expiry: Int64 = 0
    /// Bumped whenever `expiry` changes, so stale expiry-queue entries are skipped.
    var generation: UInt32 = 0
    /// The subscriber the current binding counts against (0: none).
    var subscriber: UInt64 = 0
    /// The client's IPv6 address when it was last heard from (for the log's records).
    var clientAddress: IPv6Address = .unspecified
}

/// One shard's clients: entries in a flat array (no object per lease), found by
/// client key or by the (address, PSID) they hold.
struct LeaseTable {
    private(set) var entries: [LeaseEntry] = []
    private var freeIDs: [UInt32] = []
    private var byClient: [ClientKey: UInt32] = [:]
    /// Current (offered or bound) bindings by slot key.
    private var byCurrentSlot: [UInt64: UInt32] = [:]
    /// Previous bindings by slot key, so a client's previous binding is forgotten
    /// once another client takes its slot.
    private var byPreviousSlot: [UInt64: UInt32] = [:]

    /// Number of clients known (with a current or a previous binding).
    var clientCount: Int { byClient.count }

    subscript(id: UInt32) -> LeaseEntry {
        get { entries[Int(id)] }
        set { entries[Int(id)] = newValue }
    }

    func find(_ key: ClientKey) -> UInt32? {
        byClient[key]
    }

    /// The entry of `key`, created idle if it did not exist.
    mutating func findOrCreate(_ key: ClientKey) -> UInt32 {
        if let id = byClient[key] { return id }
        var entry = LeaseEntry(key: key)
        let id: UInt32
        if let reused = freeIDs.popLast() {
            id = reused
            // Generations keep counting across reuse, so an expiry-queue entry of the
            // id's previous owner can never match the new one.
            entry.generation = entries[Int(id)].generation &+ 1
            entries[Int(id)] = entry
        } else {
            id = UInt32(entries.count)
            entries.append(entry)
        }
        byClient[key] = id
        return id
    }

    /// The client whose current binding is exactly `binding`'s slots.
    func holder(of binding: Binding) -> UInt32? {
        byCurrentSlot[binding.slotKey]
    }

    /// Makes `binding` the current binding of `id` in `state`. Forgets any other
    /// client's previous binding on the same slots.
    mutating func setCurrent(_ id: UInt32, _ binding: Binding, _ state: LeaseEntry.State, expiry: Int64) {
        let slot = binding.slotKey
        if let other = byPreviousSlot[slot], other != id {
            forgetPrevious(other)
        }
        if entries[Int(id)].state != .idle { byCurrentSlot[entries[Int(id)].current.slotKey] = nil }
        entries[Int(id)].current = binding
        entries[Int(id)].state = state
        entries[Int(id)].expiry = expiry
        entries[Int(id)].generation &+= 1
        byCurrentSlot[slot] = id
        if entries[Int(id)].hasPrevious && entries[Int(id)].previous == binding {
            byPreviousSlot[slot] = nil
            entries[Int(id)].hasPrevious = false
        }
    }

    /// Ends the current binding of `id`; it becomes the previous binding when
    /// `keepAsPrevious`, and the entry is dropped when nothing is left.
    mutating func clearCurrent(_ id: UInt32, keepAsPrevious: Bool) {
        var entry = entries[Int(id)]
        guard entry.state != .idle else { return }
        byCurrentSlot[entry.current.slotKey] = nil
        entry.state = .idle
        entry.generation &+= 1
        entry.subscriber = 0
        if keepAsPrevious {
            if entry.hasPrevious { byPreviousSlot[entry.previous.slotKey] = nil }
            entry.previous = entry.current
            entry.hasPrevious = true
            byPreviousSlot[entry.current.slotKey] = id
        }
        entries[Int(id)] = entry
        if !entry.hasPrevious { remove(id) }
    }

    /// Forgets the previous binding of `id` (dropping the entry if idle).
    mutating func forgetPrevious(_ id: UInt32) {
        guard entries[Int(id)].hasPrevious else { return }
        byPreviousSlot[entries[Int(id)].previous.slotKey] = nil
        entries[Int(id)].hasPrevious = false
        if entries[Int(id)].state == .idle { remove(id) }
    }

    /// Drops `id` if it holds nothing (an entry created for a record that did not apply).
    mutating func dropIfEmpty(_ id: UInt32) {
        if entries[Int(id)].state == .idle && !entries[Int(id)].hasPrevious && byClient[entries[Int(id)].key] == id {
            remove(id)
        }
    }

    private mutating func remove(_ id: UInt32) {
        byClient[entries[Int(id)].key] = nil
        freeIDs.append(id)
    }

    /// Reserves room for `count` clients (start-up, benchmarks).
    mutating func reserveCapacity(_ count: Int) {
        entries.reserveCapacity(count)
        byClient.reserveCapacity(count)
        byCurrentSlot.reserveCapacity(count)
    }
}
