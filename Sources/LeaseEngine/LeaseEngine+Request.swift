import LeaseLog
import PortLeaseWire

/// DHCPREQUEST in each RFC 2131 section 4.3.2 state, told apart as RFC 7341 asks:
/// SELECTING (server identifier present), INIT-REBOOT (requested address, no
/// ciaddr), RENEWING (ciaddr, U flag set) and REBINDING (ciaddr, U flag clear).
extension LeaseEngine {
    /// The client state a REQUEST comes from.
    enum RequestState {
        case selecting, initReboot, renewing, rebinding
    }

    func request(
        _ context: RequestContext, reply: inout ByteWriter, records: inout [LeaseRecord]
    ) -> EngineOutcome {
        let message = context.message
        if let serverIdentifier = message.serverIdentifier {
            return selecting(serverIdentifier, context, reply: &reply, records: &records)
        }
        if let requested = message.requestedAddress, message.header.ciaddr == .zero {
            return confirm(requested, .initReboot, context, reply: &reply, records: &records)
        }
        if message.header.ciaddr != .zero {
            let state: RequestState = context.query.isUnicast ? .renewing : .rebinding
            return confirm(message.header.ciaddr, state, context, reply: &reply, records: &records)
        }
        return drop(.malformedRequest)
    }

    /// SELECTING: the client chose a server's offer. For another server, our offer
    /// is released (RFC 2131 4.3.2); for us, the offer becomes a lease.
    func selecting(
        _ serverIdentifier: IPv4Address, _ context: RequestContext, reply: inout ByteWriter,
        records: inout [LeaseRecord]
    ) -> EngineOutcome {
        guard serverIdentifier == queryFacts.serverIdentifier else {
            if let id = table.find(context.key), table[id].state == .offered {
                detach(id, keepAsPrevious: false)
            }
            return drop(.otherServerSelected)
        }
        guard let requested = context.message.requestedAddress else { return drop(.malformedRequest) }
        guard let id = table.find(context.key), table[id].state != .idle,
            fits(table[id].current, requested, context.message.portParams),
            isEligible(Int(table[id].current.pool), context)
        else {
            // Partners share a server identifier: an offer from the other's share is theirs to
            // answer, and a NAK from here would undo it.
            if served.isRestricted, let index = pool(containing: requested), !served.allocates(index) {
                return drop(.standby)
            }
            return writeNak(context, reply: &reply)
        }
        return keep(id, context, reply: &reply, records: &records)
    }

    /// INIT-REBOOT, RENEWING and REBINDING: the client believes it holds `address`.
    ///
    /// - Its current binding matches: ACK, extending the lease.
    /// - Its previous (expired or released) binding matches and is still free: ACK,
    ///   taking it again.
    /// - The server knows the client but not as holding that: NAK.
    /// - The server knows nothing of the client: INIT-REBOOT stays silent (RFC 2131
    ///   4.3.2 MUST), unless the address is one of ours on a pool this client may not
    ///   use (the wrong network: NAK). RENEWING and REBINDING NAK an address from our
    ///   pools and stay silent for anyone else's.
    func confirm(
        _ address: IPv4Address, _ state: RequestState, _ context: RequestContext, reply: inout ByteWriter,
        records: inout [LeaseRecord]
    ) -> EngineOutcome {
        let params = context.message.portParams
        if let id = table.find(context.key) {
            let entry = table[id]
            if entry.state != .idle {
                guard fits(entry.current, address, params), isEligible(Int(entry.current.pool), context) else {
                    return writeNak(context, reply: &reply)
                }
                return keep(id, context, reply: &reply, records: &records)
            }
            if entry.hasPrevious, fits(entry.previous, address, params), isEligible(Int(entry.previous.pool), context),
                served.allocates(Int(entry.previous.pool)), !movesToReservation(from: entry.previous, context)
            {
                let subscriber = subscriber(of: context.query)
                guard admit(subscriber) else { return drop(.subscriberLimit) }
                guard claim(entry.previous, for: context.key) else {
                    countSubscriber(subscriber, -1)
                    return writeNak(context, reply: &reply)
                }
                return grant(id, entry.previous, subscriber, context, reply: &reply, records: &records)
            }
            return writeNak(context, reply: &reply)
        }
        guard let index = pool(containing: address) else { return drop(.unknownClient) }
        if state == .initReboot && isEligible(index, context) { return drop(.unknownClient) }
        return writeNak(context, reply: &reply)
    }

    /// True when the client's `address` and option 159 (if sent) name `binding`.
    /// A client that omits option 159 is matched on the address alone: the lookup
    /// is by its own client key, so it cannot reach another client's lease.
    func fits(_ binding: Binding, _ address: IPv4Address, _ params: PortParams?) -> Bool {
        guard binding.address == address else { return false }
        guard let params else { return true }
        if binding.psidLength == 0 { return params.psidLength == 0 }
        return params.psidLength == binding.psidLength && params.psid == binding.psid
            && params.offset == facts[Int(binding.pool)].psidOffset
    }

    /// Grants entry `id`'s current binding (an offer taken up, or a lease renewed)
    /// to the subscriber the query shows. A client moved to a subscriber already
    /// at its limit loses the binding instead, and is told so with a NAK (back to
    /// INIT, where its DISCOVER meets the limit).
    func keep(
        _ id: UInt32, _ context: RequestContext, reply: inout ByteWriter, records: inout [LeaseRecord]
    ) -> EngineOutcome {
        // A client with a reservation elsewhere gives this binding up and, NAKed, DISCOVERs it.
        if movesToReservation(from: table[id].current, context) {
            end(id, context, records: &records)
            return writeNak(context, reply: &reply)
        }
        let subscriber = subscriber(of: context.query)
        guard follow(id, to: subscriber) else {
            end(id, context, records: &records)
            counters.subscriberMovesRefused += 1
            return writeNak(context, reply: &reply)
        }
        return grant(id, table[id].current, subscriber, context, reply: &reply, records: &records)
    }

    /// Leases (or re-leases) `binding` to entry `id` for the pool's lifetime, counted
    /// against `subscriber` (whose place a client that held nothing has already
    /// taken): the record is appended and the ACK may only go out once it is durable.
    func grant(
        _ id: UInt32, _ binding: Binding, _ subscriber: UInt64, _ context: RequestContext, reply: inout ByteWriter,
        records: inout [LeaseRecord]
    ) -> EngineOutcome {
        let event: LeaseRecord.Event = table[id].state == .bound && table[id].current == binding ? .renew : .bind
        let lifetime = facts[Int(binding.pool)].validLifetime
        attach(id, binding, .bound, expiry: context.now + Int64(lifetime) * 1000, subscriber: subscriber)
        records.append(
            record(
                event, id, binding, time: context.now, lifetime: lifetime, subscriber: context.query.clientAddress,
                relay: relayIdentity(context.query)))
        counters.acks += 1
        guard
            writeReply(
                .ack, context, binding: binding, pool: Int(binding.pool), ciaddr: context.message.header.ciaddr,
                leaseTimes: true, reply: &reply)
        else { return drop(.replyTooLarge) }
        return .reply(.ack, afterCommit: true)
    }
}
