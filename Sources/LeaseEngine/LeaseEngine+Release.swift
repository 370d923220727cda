import LeaseLog
import PortLeaseWire

/// DHCPRELEASE, DHCPDECLINE and DHCPINFORM.
extension LeaseEngine {
    /// RELEASE: the lease is found by ciaddr and the PSID in option 159 (RFC 7618
    /// section 8) and must be the sender's. It becomes the client's previous binding.
    func release(_ context: RequestContext, records: inout [LeaseRecord]) -> EngineOutcome {
        let address = context.message.header.ciaddr
        guard let id = heldBinding(address, context), table[id].state == .bound else {
            return drop(.releaseNotFound)
        }
        records.append(
            record(
                .release, id, table[id].current, time: context.now, lifetime: 0, subscriber: context.query.clientAddress
            ))
        detach(id, keepAsPrevious: true)
        counters.releases += 1
        return .accepted(.release)
    }

    /// DECLINE: the client found the address unusable. The port set stays out of
    /// the pool for the quarantine time, then returns; it is not kept as the
    /// client's previous binding.
    func decline(_ context: RequestContext, records: inout [LeaseRecord]) -> EngineOutcome {
        guard let address = context.message.requestedAddress, let id = heldBinding(address, context) else {
            return drop(.declineNotFound)
        }
        let binding = table[id].current
        let quarantine = configuration.declineQuarantine
        records.append(
            record(
                .decline, id, binding, time: context.now, lifetime: quarantine, subscriber: context.query.clientAddress)
        )
        detach(id, keepAsPrevious: false, keepSlots: true)
        self.quarantine.push(context.now + Int64(quarantine) * 1000, binding)
        counters.declines += 1
        return .accepted(.decline)
    }

    /// The client's current binding at `address` with the port set of its option 159
    /// (required for a shared binding, RFC 7618 section 7), if the client holds it.
    func heldBinding(_ address: IPv4Address, _ context: RequestContext) -> UInt32? {
        guard let id = table.find(context.key), table[id].state != .idle else { return nil }
        let binding = table[id].current
        let params = context.message.portParams
        if binding.psidLength != 0 && params == nil { return nil }
        return fits(binding, address, params) ? id : nil
    }

    /// INFORM: the client has an address and wants options only: an ACK with the
    /// options of the pool holding ciaddr (or the first pool serving the client),
    /// without lease times or option 159, and no lease change.
    func inform(_ context: RequestContext, reply: inout ByteWriter) -> EngineOutcome {
        let address = context.message.header.ciaddr
        var pool = pool(containing: address)
        if pool == nil {
            pool = selectionOrder.first { isEligible($0, context) }
        }
        guard let pool else { return drop(noPoolReason(context)) }
        counters.informs += 1
        guard
            writeReply(.ack, context, binding: nil, pool: pool, ciaddr: address, leaseTimes: false, reply: &reply)
        else { return drop(.replyTooLarge) }
        return .reply(.ack, afterCommit: false)
    }
}

extension LeaseEngine {
    /// Ends `key`'s bound lease now, on an operator's word (abuse handling, a replaced CPE):
    /// appends a `forcedRelease` record, returns the port set to its pool at once, and keeps
    /// no claim for the client, so its next renewal is NAKed and it starts over with a
    /// DISCOVER. Returns the binding it ended, or nil when the client holds no bound lease (an
    /// offer promises nothing and is left to time out).
    public func forceRelease(_ key: ClientKey, now: Int64, records: inout [LeaseRecord]) -> Binding? {
        guard let id = table.find(key), table[id].state == .bound else { return nil }
        let binding = table[id].current
        endForcibly(id, now: now, records: &records)
        counters.releases += 1
        return binding
    }

    /// Ends entry `id`'s binding with no claim kept: a `forcedRelease` record when it is bound
    /// (an offer is not logged), then the slots go back (unless reserved) and the entry goes.
    func endForcibly(_ id: UInt32, now: Int64, records: inout [LeaseRecord]) {
        if table[id].state == .bound {
            records.append(
                record(.forcedRelease, id, table[id].current, time: now, lifetime: 0, subscriber: .unspecified))
        }
        detach(id, keepAsPrevious: false)
        table.dropIfEmpty(id)
    }
}
