import LeaseLog
import PortLeaseWire

/// Expiry of offers, leases and decline quarantine, and rebuilding from the log.
extension LeaseEngine {
    /// Ends everything due at `now`: offers never requested return to the pool,
    /// leases not renewed expire (an `expire` record each, dated at the lease's end,
    /// and the binding is kept as the client's previous one), and declined port sets
    /// whose quarantine is over return to the pool. Cost: O(log n) per item due.
    public func expire(now: Int64, records: inout [LeaseRecord]) {
        while let (_, id) = expiries.popDue(now) {
            // Several entries may name one id (a deadline moved earlier, an id reused
            // by another client); whichever surfaces decides from the entry as it is.
            guard table.contains(id) else { continue }
            table[id].queued = false
            let entry = table[id]
            guard entry.state != .idle else { continue }
            guard entry.expiry <= now else {
                // Renewed or taken up since it was queued: queue its real end.
                expiries.push(entry.expiry, id)
                table[id].queued = true
                continue
            }
            switch entry.state {
            case .idle:
                continue
            case .offered:
                detach(id, keepAsPrevious: false)
                counters.offerTimeouts += 1
            case .bound:
                records.append(
                    record(.expire, id, entry.current, time: entry.expiry, lifetime: 0, subscriber: .unspecified))
                detach(id, keepAsPrevious: true)
                counters.expirations += 1
            }
        }
        while let (_, binding) = quarantine.popDue(now) {
            releaseSlots(binding)
            counters.quarantineEnds += 1
        }
    }

    /// The earliest time something will be due, for a worker that sleeps until then.
    public var nextDeadline: Int64? {
        switch (expiries.nextDeadline, quarantine.nextDeadline) {
        case (let a?, let b?): min(a, b)
        case (let a?, nil): a
        case (nil, let b?): b
        case (nil, nil): nil
        }
    }

    /// Applies one record from this shard's log, in log order, to rebuild the
    /// tables and the pool bits at start-up. Call ``expire(now:records:)`` after the
    /// last one to reclaim what ran out while the server was down.
    ///
    /// Declined port sets whose quarantine ended before a record's time are returned
    /// to the pool before that record is applied, as the running engine did.
    ///
    /// A record whose slots another client already holds (which a consistent log
    /// never produces) is counted in ``EngineCounters/replayConflicts`` and the
    /// earlier holder kept. A record for an address no pool holds any more is
    /// counted the same way and skipped.
    public func replay(_ record: LeaseRecord) {
        // Quarantine ends are not logged: the live engine returned every declined set
        // due by now before any later record could name its slots again.
        while let (_, binding) = quarantine.popDue(record.time) {
            releaseSlots(binding)
        }
        guard let poolIndex = pool(containing: record.address) else {
            counters.replayConflicts += 1
            return
        }
        let binding = Binding(
            address: record.address, psid: record.psid, psidLength: record.psidLength, pool: UInt8(poolIndex))
        let id = table.findOrCreate(record.clientKey)
        let holdsIt = table[id].state != .idle && table[id].current == binding
        switch record.event {
        case .bind, .renew:
            let expiry = record.time + Int64(record.lifetime) * 1000
            if !holdsIt {
                if table[id].state != .idle { detach(id, keepAsPrevious: true) }
                guard claimForReplay(binding, of: record) else {
                    counters.replayConflicts += 1
                    table.dropIfEmpty(id)
                    return
                }
                let subscriber = subscriber(of: record)
                table[id].subscriber = subscriber
                countSubscriber(subscriber, 1)
            }
            if table.setCurrent(id, binding, .bound, expiry: expiry) {
                expiries.push(expiry, id)
            }
        case .release, .expire, .forcedRelease:
            if holdsIt { detach(id, keepAsPrevious: record.event != .forcedRelease) }
            table.dropIfEmpty(id)
        case .decline:
            if holdsIt {
                detach(id, keepAsPrevious: false, keepSlots: true)
            } else {
                table.dropIfEmpty(id)
                // A subscriber's reserved binding declined by a client not holding it (a
                // declined offer): its slots are reserved all along, and it has no holder.
                guard isSubscriberReserved(binding) || claimForReplay(binding, of: record) else { return }
            }
            quarantine.push(record.time + Int64(record.lifetime) * 1000, binding)
        }
    }

    /// Takes `binding`'s slots for the client of a replayed `record`. A binding reserved for
    /// another client is taken all along: a lease on it from before the reservation is replayed
    /// as it was, and ended at start-up (`yieldReservations`), so that history shows it.
    /// A subscriber's reservation is taken by whichever client the log shows on it: that client
    /// is its holder (``ReservationHolders``) until a client of the subscriber takes it over.
    private func claimForReplay(_ binding: Binding, of record: LeaseRecord) -> Bool {
        if isSubscriberReserved(binding) { return holders.replayed(binding, by: record.clientKey) }
        return claim(binding, for: record.clientKey) || reservedBindings.contains(binding)
    }

    /// The subscriber key of a logged lease, as far as the record tells it: the client
    /// prefix, the Remote-ID and the Subscriber-ID are logged (the Subscriber-ID only by
    /// releases that record it: a lease replayed from an older record counts against no
    /// subscriber until renewed).
    func subscriber(of record: LeaseRecord) -> UInt64 {
        switch configuration.subscriberKey {
        case .none: return 0
        case .subscriberID:
            guard let subscriberID = record.relay.subscriberIDBytes else { return 0 }
            return subscriberID.withUnsafeBytes {
                subscriber(clientAddress: record.subscriber, remoteID: nil, subscriberID: $0)
            }
        case .clientPrefix:
            return subscriber(clientAddress: record.subscriber, remoteID: nil, subscriberID: nil)
        case .remoteID:
            guard let remoteID = record.relay.remoteIDBytes else { return 0 }
            return remoteID.withUnsafeBytes {
                subscriber(clientAddress: record.subscriber, remoteID: $0, subscriberID: nil)
            }
        }
    }
}
