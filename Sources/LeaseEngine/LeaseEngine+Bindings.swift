import LeaseLog
import PortLeaseWire
import PortSetPool

/// How a client's binding changes: attached in a state until a deadline, detached (its slots
/// back to the pool, a subscriber's reservation free for the subscriber's next client), slots
/// claimed, and the log record of each change.
extension LeaseEngine {
    /// Makes `binding` (whose slots the caller already holds in the pool) the
    /// client's current binding in `state` until `expiry`. A client that held
    /// nothing starts counting against `subscriber`, whose place the caller has
    /// already taken with ``admit(_:)``; a client that held a binding already
    /// counts against `subscriber` (see ``follow(_:to:)``).
    func attach(_ id: UInt32, _ binding: Binding, _ state: LeaseEntry.State, expiry: Int64, subscriber: UInt64) {
        let wasIdle = table[id].state == .idle
        if !wasIdle && table[id].current != binding {
            letGo(id)
            releaseSlots(table[id].current)
        }
        if table[id].state == .offered { counters.offersOutstanding[Int(table[id].current.pool)] -= 1 }
        if state == .offered { counters.offersOutstanding[Int(binding.pool)] += 1 }
        if table.setCurrent(id, binding, state, expiry: expiry) {
            expiries.push(expiry, id)
        }
        if wasIdle { table[id].subscriber = subscriber }
    }

    /// Ends the client's current binding, returning its slots to the pool unless
    /// `keepSlots` (decline quarantine).
    func detach(_ id: UInt32, keepAsPrevious: Bool, keepSlots: Bool = false) {
        let entry = table[id]
        guard entry.state != .idle else { return }
        if entry.state == .offered { counters.offersOutstanding[Int(entry.current.pool)] -= 1 }
        letGo(id)
        if !keepSlots { releaseSlots(entry.current) }
        countSubscriber(entry.subscriber, -1)
        table.clearCurrent(id, keepAsPrevious: keepAsPrevious)
    }

    /// Entry `id` is leaving its current binding: if that is a subscriber's reservation, it is
    /// free for the subscriber's next client.
    @inline(__always)
    private func letGo(_ id: UInt32) {
        let binding = table[id].current
        if isSubscriberReserved(binding) { holders.release(binding, ifHeldBy: table.key(of: id)) }
    }

    func releaseSlots(_ binding: Binding) {
        // A reserved binding's slots stay taken for its owner.
        if !reservedBindings.isEmpty && reservedBindings.contains(binding) { return }
        do throws(PoolError) {
            try pools[Int(binding.pool)].release(binding.portSet)
        } catch {
            // The table and the pool disagree; the table is the owner of record, so
            // this is counted rather than trapped on.
            counters.replayConflicts += 1
        }
    }

    /// Takes exactly `binding`'s slots for `client` if they are free, or if they are
    /// `client`'s reservation (held for it all along).
    func claim(_ binding: Binding, for client: ClientKey) -> Bool {
        if !reserved.isEmpty, let own = reserved[client] { return own == binding || claim(binding) }
        return claim(binding)
    }

    /// Takes exactly `binding`'s slots if they are free.
    func claim(_ binding: Binding) -> Bool {
        (try? pools[Int(binding.pool)].claim(binding.portSet)) ?? false
    }

    /// The lease record for `binding` of entry `id`.
    ///
    /// `subscriber` is the client's IPv6 address as this query shows it; an expiry,
    /// which no query causes, records `::` (the lease's bind or renew record names
    /// the address, and traceability reads the holder from there).
    func record(
        _ event: LeaseRecord.Event, _ id: UInt32, _ binding: Binding, time: Int64, lifetime: UInt32,
        subscriber: IPv6Address, relay: RelayIdentity = .none
    ) -> LeaseRecord {
        LeaseRecord(
            event: event, time: time, clientKey: table.key(of: id), subscriber: subscriber, relay: relay,
            address: binding.address, psid: binding.psid, psidLength: binding.psidLength,
            psidOffset: facts[Int(binding.pool)].psidOffset, lifetime: lifetime)
    }

    /// The relay identity of `query`, as the log records it.
    func relayIdentity(_ query: EngineQuery) -> RelayIdentity {
        guard query.linkAddress != nil || query.interfaceID != nil || query.remoteID != nil || query.subscriberID != nil
        else { return .none }
        return RelayIdentity(
            linkAddress: query.linkAddress, interfaceIDBytes: Self.recorded(query.interfaceID),
            remoteIDBytes: Self.recorded(query.remoteID), subscriberIDBytes: Self.recorded(query.subscriberID))
    }

    /// A relay option's value as a record keeps it: its first 255 bytes.
    private static func recorded(_ value: UnsafeRawBufferPointer?) -> InlineBytes? {
        guard let value else { return nil }
        return InlineBytes(UnsafeRawBufferPointer(start: value.baseAddress, count: min(value.count, 255)))
    }
}
