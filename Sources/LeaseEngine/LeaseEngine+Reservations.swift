import LeaseLog
import PortLeaseWire
import PortSetPool

/// Reservations: a fixed binding per client (``Reservation``).
///
/// Their slots are taken out of the pool when the pools are built (``makePools(for:shards:)``)
/// and never go back (``releaseSlots(_:)`` skips them), so the allocator cannot hand them to
/// anyone, however full the pool. The owner's DISCOVER is offered its reservation; a lease the
/// owner holds on another binding is ended (DISCOVER) or NAKed (REQUEST), so that it moves onto
/// its reservation. A lease another client held on a reserved binding before the reservation
/// existed is replayed from the log as it was, and ended with a `forcedRelease` record at start
/// (``yieldReservations(now:records:)``), so that history shows who held it until when.
extension LeaseEngine {
    /// The binding reserved for the querying client, by its client key or by a subscriber key
    /// its query shows (a hash only when there are reservations).
    @inline(__always)
    func reservation(for context: RequestContext) -> Binding? {
        if !reserved.isEmpty, let own = reserved[context.key] { return own }
        return reservedByKey.isEmpty ? nil : subscriberReservation(of: context.query)
    }

    /// True when the client has a reservation other than `binding` in a pool it may use (and,
    /// for a subscriber's, one no other client of the subscriber holds: a renewal does not take
    /// it over; only a DISCOVER does).
    @inline(__always)
    func movesToReservation(from binding: Binding, _ context: RequestContext) -> Bool {
        guard let own = reservation(for: context), own != binding, isEligible(Int(own.pool), context) else {
            return false
        }
        guard isSubscriberReserved(own), let holder = holders.holder(of: own) else { return true }
        return holder == context.key
    }

    /// The address ranges of `pools`, each with its pool's index: how an address finds its pool.
    static func ranges(of pools: [PoolPolicy]) -> [(range: ClosedRange<UInt32>, pool: Int)] {
        pools.enumerated().flatMap { index, policy in
            policy.addressRanges.map { (range: $0.lowerBound.value...$0.upperBound.value, pool: index) }
        }
    }

    /// Checks `reservations` against the pools and returns each one's binding by owner.
    static func reservedBindings(
        _ reservations: [Reservation], pools: [PortSetPool], ranges: [(range: ClosedRange<UInt32>, pool: Int)]
    ) throws(EngineError) -> [Reservation.Owner: Binding] {
        var bindings: [Reservation.Owner: Binding] = [:]
        var hashes: [UInt64: Reservation.Owner] = [:]
        for (index, reservation) in reservations.enumerated() {
            guard let entry = ranges.first(where: { $0.range.contains(reservation.address.value) }) else {
                throw .invalidReservation(reservation, reason: "\(reservation.address) is in no pool")
            }
            let pool = pools[entry.pool]
            let lengths = pool.offeredLengths
            guard lengths.contains(Int(reservation.psidLength)) else {
                let offered = lengths.map(String.init).joined(separator: ", ")
                throw .invalidReservation(
                    reservation,
                    reason: reservation.psidLength == 0
                        ? "\(reservation.address) is in a shared pool (PSID lengths \(offered)): give psid and psid-length"
                        : "its pool offers PSID lengths \(offered), not \(reservation.psidLength)")
            }
            guard reservation.psidLength == 16 || Int(reservation.psid) < 1 << Int(reservation.psidLength) else {
                throw .invalidReservation(
                    reservation, reason: "PSID \(reservation.psid) does not fit in \(reservation.psidLength) bits")
            }
            guard bindings[reservation.owner] == nil else {
                throw .invalidReservation(reservation, reason: "\(reservation.owner) has another reservation")
            }
            if let hash = ownerHash(reservation.owner) {
                if let other = hashes[hash] {
                    throw .invalidReservation(
                        reservation, reason: "its key hashes as \(other)'s does (one in 2^64): reserve by client")
                }
                hashes[hash] = reservation.owner
            }
            if let other = reservations[..<index].first(where: { $0.overlaps(reservation) }) {
                throw .invalidReservation(reservation, reason: "it overlaps the reservation \(other)")
            }
            bindings[reservation.owner] = Binding(
                address: reservation.address, psid: reservation.psid, psidLength: reservation.psidLength,
                pool: UInt8(entry.pool))
        }
        return bindings
    }

    /// Takes every reservation's slots out of `pools` (just built: all free). A port set
    /// that touches the pool's reserved ports is refused.
    static func claimReservations(_ configuration: EngineConfiguration, pools: [PortSetPool]) throws(EngineError) {
        guard !configuration.reservations.isEmpty else { return }
        let bindings = try validate(configuration.reservations, configuration: configuration, pools: pools)
        for reservation in configuration.reservations {
            let binding = bindings[reservation.owner]!
            let claimed: Bool
            do throws(PoolError) {
                claimed = try pools[Int(binding.pool)].claim(binding.portSet)
            } catch {
                if case .reservedPortSet = error {
                    throw .invalidReservation(reservation, reason: "its port set includes the pool's reserved ports")
                }
                throw .invalidReservation(reservation, reason: "\(error)")
            }
            guard claimed else {
                throw .invalidReservation(reservation, reason: "its port set was not free when the pools were built")
            }
        }
    }

    /// Ends, with a `forcedRelease` record each, the leases this shard's clients hold on
    /// bindings reserved for someone else (leases from before the reservation, replayed
    /// from the log). Returns the (holder, binding) pairs ended, for the start-up log.
    public func yieldReservations(now: Int64, records: inout [LeaseRecord]) -> [(ClientKey, Binding)] {
        guard !reserved.isEmpty else { return [] }
        var ended: [(ClientKey, Binding)] = []
        for id in table.activeIDs where reservedBindings.contains(table[id].current) {
            let key = table.key(of: id)
            let binding = table[id].current
            // A subscriber's reservation stays with its holder until a client of the
            // subscriber asks for it: the table does not tell whose client the holder is.
            guard reserved[key] != binding, !subscriberBindings.contains(binding) else { continue }
            endForcibly(id, now: now, records: &records)
            ended.append((key, binding))
        }
        return ended
    }

    /// One step of a search for the client holding `binding`: the slots `start ..< start +
    /// count` of this shard's table. Returns the holder if found there, and where the next
    /// step starts (nil: the table is done). The control API searches in steps of 65,536
    /// slots (about 3 MB, a millisecond), so no step holds the worker back for long.
    public func holder(of binding: Binding, scanningFrom start: Int, count: Int) -> (ClientKey?, next: Int?) {
        let end = start + count
        let found = table.holder(of: binding, in: start..<end).map { table.key(of: $0) }
        return (found, end < table.slotCount ? end : nil)
    }

    /// Ends `key`'s lease (or offer) if it is on `binding`, now reserved for someone else: a
    /// `forcedRelease` record for a bound lease. The slots stay reserved. True when it ended one.
    public func yieldReservation(
        _ binding: Binding, heldBy key: ClientKey, now: Int64, records: inout [LeaseRecord]
    ) -> Bool {
        guard let id = table.find(key), table[id].state != .idle, table[id].current == binding,
            reserved[key] != binding
        else {
            if isSubscriberReserved(binding) { holders.release(binding, ifHeldBy: key) }
            return false
        }
        endForcibly(id, now: now, records: &records)
        return true
    }

    /// Checks `reservations` against `pools` (built for `configuration`): each one's binding.
    public static func validate(
        _ reservations: [Reservation], configuration: EngineConfiguration, pools: [PortSetPool]
    ) throws(EngineError) -> [Reservation.Owner: Binding] {
        try reservedBindings(reservations, pools: pools, ranges: ranges(of: configuration.pools))
    }

    /// The first step of adding a reservation at run time, on every shard before the second
    /// (``addReservation(_:binding:)``): `binding`'s slots stay out of the pool when a lease on
    /// it ends here (and, for a subscriber's, its holder is tracked), but nobody is offered it
    /// yet. So once every shard has taken this step, whoever holds the binding keeps it until
    /// ended, and no one else can come to hold it.
    public func reserveBinding(_ binding: Binding, forSubscriber: Bool) {
        reservedBindings.insert(binding)
        if forSubscriber { subscriberBindings.insert(binding) }
    }

    /// Adds `reservation` (checked by the caller with ``validate(_:configuration:pools:)``) to
    /// this shard's maps. Its slots are the caller's to take, once, in the shared pool.
    public func addReservation(_ reservation: Reservation, binding: Binding) {
        reservedBindings.insert(binding)
        guard let hash = Self.ownerHash(reservation.owner) else {
            reserved[reservation.client!] = binding
            return
        }
        reservedByKey[hash] = (reservation.owner, binding)
        subscriberBindings.insert(binding)
        switch reservation.owner {
        case .remoteID: reservesRemoteIDs = true
        case .subscriberID: reservesSubscriberIDs = true
        case .clientPrefix(let prefix) where !reservedPrefixLengths.contains(prefix.length):
            reservedPrefixLengths.append(prefix.length)
            reservedPrefixLengths.sort(by: >)
        default: break
        }
    }

    /// The first step of removing `owner`'s reservation, on every shard before the second: this
    /// shard offers it no more. Its binding stays reserved (its slots out of the pool, its holder
    /// tracked) until ``removeReservation(of:)``: a shard that had already forgotten the binding
    /// while another still offered it could free its slots under a new holder. Returns the binding.
    @discardableResult
    public func stopOffering(_ owner: Reservation.Owner) -> Binding? {
        guard let hash = Self.ownerHash(owner) else { return reserved.removeValue(forKey: owner.client!) }
        guard let removed = reservedByKey.removeValue(forKey: hash) else { return nil }
        indexReservedKeys()
        return removed.binding
    }

    /// Removes `owner`'s reservation from this shard's maps (``stopOffering(_:)`` if not done
    /// yet, then the binding itself); its binding, if it had one. The slots stay taken: see
    /// ``releaseIfUnheld(_:by:)``.
    @discardableResult
    public func removeReservation(of owner: Reservation.Owner, binding known: Binding? = nil) -> Binding? {
        guard let binding = stopOffering(owner) ?? known else { return nil }
        reservedBindings.remove(binding)
        subscriberBindings.remove(binding)
        return binding
    }

    /// Whether `binding` waits out a decline quarantine on this shard: its slots go back to the
    /// pool when that ends, so a removed reservation's must not go back before (a scan of the
    /// quarantine, for the control plane).
    public func isQuarantined(_ binding: Binding) -> Bool {
        quarantine.entries.contains { $0.payload == binding }
    }

    /// After ``removeReservation(of:)`` on every shard, and when no shard has the binding in
    /// quarantine (``isQuarantined(_:)``): gives the slots of a former reservation back to the
    /// pool, unless its owner holds them now (then they go back when that lease ends, like any
    /// other). A client's reservation is asked on the client's shard; a subscriber's on any (its
    /// holder is in ``holders``; with the reservation gone from every shard, no one can take the
    /// binding, so a holder found absent stays absent). True when given back.
    public func releaseIfUnheld(_ binding: Binding, by owner: Reservation.Owner) -> Bool {
        if let client = owner.client {
            if let id = table.find(client), table[id].state != .idle, table[id].current == binding { return false }
        } else {
            defer { holders.release(binding) }
            if holders.holder(of: binding) != nil { return false }
        }
        releaseSlots(binding)
        return true
    }
}
