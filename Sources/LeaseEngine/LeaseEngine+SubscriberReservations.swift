import LeaseLog
import PortLeaseWire

/// Reservations owned by a subscriber key (``Reservation/Owner``: Remote-ID, Subscriber-ID,
/// client prefix): which one a query's relay options or source address name, and taking it
/// over from the subscriber's previous client (``ReservationHolders``).
///
/// They are matched on the key the reservation names, whatever `subscriber-key` the limits
/// use: a Remote-ID first, then a Subscriber-ID, then the longest reserved prefix holding the
/// client's address. The map is by a 64-bit hash of the key, checked against the key itself,
/// so the packet path hashes the relay's bytes in place and allocates nothing.
extension LeaseEngine {
    /// A subscriber reservation's place in the map: the hash of its owner's key (the same
    /// FNV-1a as the subscriber limits' key, with the prefix length mixed in).
    static func ownerHash(_ owner: Reservation.Owner) -> UInt64? {
        switch owner {
        case .client: return nil
        case .remoteID(let bytes): return bytes.withUnsafeBytes { hash(kind: 1, $0) }
        case .subscriberID(let bytes): return bytes.withUnsafeBytes { hash(kind: 2, $0) }
        case .clientPrefix(let prefix): return prefixHash(prefix.address, prefix.length)
        }
    }

    private static func prefixHash(_ address: IPv6Address, _ length: Int) -> UInt64 {
        mix(mix(mix(0xCBF2_9CE4_8422_2325, 3), address.high), address.low) ^ UInt64(length)
    }

    /// The subscriber reservation `query` names, if any.
    func subscriberReservation(of query: EngineQuery) -> Binding? {
        if reservesRemoteIDs, let remoteID = query.remoteID,
            let found = reservedByKey[Self.hash(kind: 1, remoteID)],
            case .remoteID(let bytes) = found.owner, bytes.elementsEqual(remoteID)
        {
            return found.binding
        }
        if reservesSubscriberIDs, let subscriberID = query.subscriberID,
            let found = reservedByKey[Self.hash(kind: 2, subscriberID)],
            case .subscriberID(let bytes) = found.owner, bytes.elementsEqual(subscriberID)
        {
            return found.binding
        }
        for length in reservedPrefixLengths {
            let prefix = IPv6Prefix.mask(query.clientAddress, length)
            if let found = reservedByKey[Self.prefixHash(prefix, length)],
                case .clientPrefix(let reserved) = found.owner, reserved.address == prefix, reserved.length == length
            {
                return found.binding
            }
        }
        return nil
    }

    /// Recomputes which kinds of key are reserved, and the prefix lengths, after a removal (a
    /// scan of the subscriber reservations; an addition updates them in place).
    func indexReservedKeys() {
        var lengths: Set<Int> = []
        reservesRemoteIDs = false
        reservesSubscriberIDs = false
        for entry in reservedByKey.values {
            switch entry.owner {
            case .remoteID: reservesRemoteIDs = true
            case .subscriberID: reservesSubscriberIDs = true
            case .clientPrefix(let prefix): lengths.insert(prefix.length)
            case .client: break
            }
        }
        reservedPrefixLengths = lengths.sorted(by: >)
    }

    /// True when `binding` is a subscriber's reservation (held through ``holders``).
    @inline(__always)
    func isSubscriberReserved(_ binding: Binding) -> Bool {
        !subscriberBindings.isEmpty && subscriberBindings.contains(binding)
    }

    /// Makes the querying client the holder of the subscriber reservation `binding`. A holder
    /// on this shard is ended at once (a `forcedRelease` record); one on another shard is
    /// asked to end through ``takeHandovers()``, and false is returned: the client is not
    /// answered, and its retransmission finds the binding free.
    func hold(_ binding: Binding, _ context: RequestContext, records: inout [LeaseRecord]) -> Bool {
        guard case .heldBy(let holder, let ask) = holders.claim(binding, for: context.key, now: context.now) else {
            return true
        }
        if table.find(holder) != nil {
            _ = yieldReservation(binding, heldBy: holder, now: context.now, records: &records)
            return holders.claim(binding, for: context.key, now: context.now) == .claimed
        }
        if ask { handovers.append((binding, holder)) }
        return false
    }

    /// Gives up a claim on a subscriber reservation the client did not take after all.
    func unhold(_ binding: Binding?, _ context: RequestContext) {
        guard let binding, isSubscriberReserved(binding) else { return }
        if let id = table.find(context.key), table[id].state != .idle, table[id].current == binding { return }
        holders.release(binding, ifHeldBy: context.key)
    }

    /// The handovers this shard's queries asked for since the last call: (the reserved binding,
    /// its holder on another shard). The worker sends each to the holder's shard, which ends
    /// it with ``yieldReservation(_:heldBy:now:records:)``.
    public func takeHandovers() -> [(binding: Binding, holder: ClientKey)] {
        // Nothing asked (every batch but a handover's): no copy of the buffer, no allocation.
        guard !handovers.isEmpty else { return [] }
        defer { handovers.removeAll() }
        return handovers
    }
}
