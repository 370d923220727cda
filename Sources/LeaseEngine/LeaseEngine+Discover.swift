import LeaseLog
import PortLeaseWire

/// DHCPDISCOVER -> DHCPOFFER, with RFC 7618 section 8's selection order.
extension LeaseEngine {
    func discover(
        _ context: RequestContext, reply: inout ByteWriter, records: inout [LeaseRecord]
    ) -> EngineOutcome {
        let existing = table.find(context.key)
        if let id = existing, table[id].state != .idle {
            let current = table[id].current
            // 1. The client's current binding.
            if isEligible(Int(current.pool), context) {
                if table[id].state == .offered {
                    attach(
                        id, current, .offered, expiry: context.now + queryFacts.offerLifetime * 1000, context)
                }
                return offer(current, context, reply: &reply)
            }
            // The client no longer suits its binding's pool (it stopped or started
            // asking for option 159): a client in INIT holds no lease, so end it.
            if table[id].state == .bound {
                records.append(
                    record(
                        .release, id, current, time: context.now, lifetime: 0, subscriber: context.query.clientAddress))
            }
            detach(id, keepAsPrevious: table[id].state == .bound)
        }
        let subscriber = subscriber(of: context.query)
        guard subscriberHasRoom(subscriber) else { return drop(.subscriberLimit) }
        // 2. The client's previous binding, if its slots are still free. (An unknown
        // client is still unknown: no second look-up.)
        if existing != nil, let id = table.find(context.key), table[id].hasPrevious {
            let previous = table[id].previous
            if isEligible(Int(previous.pool), context) && claim(previous) {
                return offerNew(previous, context, subscriber: subscriber, reply: &reply)
            }
        }
        // 3. The requested address (50) with the port set of the client's option 159.
        if let requested = requestedBinding(context), claim(requested) {
            return offerNew(requested, context, subscriber: subscriber, reply: &reply)
        }
        // 4. A new binding from the first eligible pool with room.
        var anyEligible = false
        for index in pools.indices where isEligible(index, context) {
            anyEligible = true
            let length = psidLength(for: index, context)
            if let portSet = try? pools[index].allocate(from: shard % pools[index].partitionCount, psidLength: length) {
                return offerNew(Binding(portSet, pool: index), context, subscriber: subscriber, reply: &reply)
            }
        }
        return drop(anyEligible ? .poolsExhausted : noPoolReason(context))
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
        attach(
            id, binding, .offered, expiry: context.now + queryFacts.offerLifetime * 1000, context,
            subscriber: subscriber)
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
