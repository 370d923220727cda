import LeaseLog
import PortLeaseWire

/// DHCPDISCOVER -> DHCPOFFER, with RFC 7618 section 8's selection order.
extension LeaseEngine {
    func discover(
        _ context: RequestContext, reply: inout ByteWriter, records: inout [LeaseRecord]
    ) -> EngineOutcome {
        let subscriber = subscriber(of: context.query)
        // 0. The client's reservation, when it may use that pool: it replaces any other binding.
        // A subscriber's is taken from the subscriber's client holding it, if any.
        let reserved = reservation(for: context).flatMap { isEligible(Int($0.pool), context) ? $0 : nil }
        if let reserved, isSubscriberReserved(reserved), !hold(reserved, context, records: &records) {
            return drop(.reservationHandover)
        }
        let existing = table.find(context.key)
        if let id = existing, table[id].state != .idle {
            let current = table[id].current
            // 1. The client's current binding, counted against the subscriber it now shows.
            if isEligible(Int(current.pool), context) && (reserved == nil || reserved == current) {
                guard follow(id, to: subscriber) else {
                    end(id, context, records: &records)
                    counters.subscriberMovesRefused += 1
                    return drop(.subscriberLimit)
                }
                if table[id].state == .offered {
                    attach(
                        id, current, .offered, expiry: context.now + queryFacts.offerLifetime * 1000,
                        subscriber: subscriber)
                }
                return offer(current, context, reply: &reply)
            }
            // The client no longer suits its binding's pool (it stopped or started
            // asking for option 159, or moved to a link another pool serves): a
            // client in INIT holds no lease, so end it.
            end(id, context, records: &records)
        }
        // The place is taken before the slots, so two shards cannot both give a
        // subscriber its last one; every way out below either attaches or gives it back.
        guard admit(subscriber) else {
            unhold(reserved, context)
            return drop(.subscriberLimit)
        }
        // Its slots are the reservation's, taken when the pools were built.
        if let reserved { return offerNew(reserved, context, subscriber: subscriber, reply: &reply) }
        if let outcome = offerNew(existing, context, subscriber: subscriber, reply: &reply) { return outcome }
        countSubscriber(subscriber, -1)
        return drop(poolsRefused(context))
    }

    /// Steps 2 to 4 of the selection order: a new binding for the client, offered;
    /// nil when no eligible pool has one.
    private func offerNew(
        _ existing: UInt32?, _ context: RequestContext, subscriber: UInt64, reply: inout ByteWriter
    ) -> EngineOutcome? {
        // 2. The client's previous binding, if its slots are still free. (An unknown
        // client is still unknown: no second look-up.)
        if existing != nil, let id = table.find(context.key), table[id].hasPrevious {
            let previous = table[id].previous
            if isEligible(Int(previous.pool), context) && served.allocates(Int(previous.pool))
                && claim(previous, for: context.key)
            {
                return offerNew(previous, context, subscriber: subscriber, reply: &reply)
            }
        }
        // 3. The requested address (50) with the port set of the client's option 159.
        if let requested = requestedBinding(context), served.allocates(Int(requested.pool)),
            claim(requested, for: context.key)
        {
            return offerNew(requested, context, subscriber: subscriber, reply: &reply)
        }
        // 4. A new binding from the first of the client's pools with room.
        for index in selectionOrder where isEligible(index, context) && served.allocates(index) {
            let length = psidLength(for: index, context)
            if let portSet = try? pools[index].allocate(from: shard % pools[index].partitionCount, psidLength: length) {
                return offerNew(Binding(portSet, pool: index), context, subscriber: subscriber, reply: &reply)
            }
        }
        return nil
    }

    /// The binding named by option 50 and option 159, when it lies in an eligible
    /// pool and is a port set that pool offers.
    func requestedBinding(_ context: RequestContext) -> Binding? {
        guard let address = context.message.requestedAddress, let index = pool(containing: address),
            isEligible(index, context)
        else { return nil }
        let pool = facts[index]
        guard pool.isShared else {
            return Binding(address: address, psid: 0, psidLength: 0, pool: UInt8(index))
        }
        guard let params = context.message.portParams, params.psidLength != 0,
            params.offset == pool.psidOffset, pool.offers(psidLength: Int(params.psidLength))
        else { return nil }
        return Binding(address: address, psid: params.psid, psidLength: params.psidLength, pool: UInt8(index))
    }

    /// Offers `binding`, whose slots were just taken, as the client's new current
    /// binding, counted against `subscriber` (already worked out by the caller).
    func offerNew(
        _ binding: Binding, _ context: RequestContext, subscriber: UInt64, reply: inout ByteWriter
    ) -> EngineOutcome {
        let id = table.findOrCreate(context.key)
        attach(id, binding, .offered, expiry: context.now + queryFacts.offerLifetime * 1000, subscriber: subscriber)
        return offer(binding, context, reply: &reply)
    }

    func offer(_ binding: Binding, _ context: RequestContext, reply: inout ByteWriter) -> EngineOutcome {
        counters.offers += 1
        guard
            writeReply(
                .offer, context, binding: binding, pool: Int(binding.pool), ciaddr: .zero, leaseTimes: true,
                reply: &reply)
        else { return drop(.replyTooLarge) }
        return .reply(.offer, afterCommit: false)
    }
}
