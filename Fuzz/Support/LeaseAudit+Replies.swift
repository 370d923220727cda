import LeaseEngine
import LeaseLog
import PortLeaseServer
import PortLeaseWire

/// Checks of one delivery against the query that caused it.
extension LeaseAudit {
    /// The reply (if any) parses as a client would parse it, mirrors the query's relay
    /// chain, and says what the engine decided; a granted or offered binding is the one
    /// the engine now holds for the client; the client's subscriber is within its limit.
    public func checkDelivery(_ delivery: ServerPath.Delivery, payload: UnsafeRawBufferPointer, origin: DatagramOrigin)
    {
        guard case .query(let route) = delivery.decision else {
            if delivery.decision == .answered { checkInformationReply(delivery, payload) }
            return
        }
        let shard = route.shard
        guard let outcome = delivery.outcome else { return }
        withQuery(payload, origin: origin) { packet, query in
            checkSubscriberLimit(shard, query)
            guard case .reply(let type, let afterCommit) = outcome else {
                if delivery.reply != nil { fatalError("\(outcome), yet a reply was written") }
                return
            }
            guard let reply = delivery.reply else {
                // Only a reply too large for the worker's slot is dropped.
                if path.counters.drops(.replyFailed) == 0 { fatalError("\(outcome) without a reply") }
                return
            }
            let parsed: ParsedReply
            do throws(WireError) {
                parsed = try ParsedReply(parsing: reply)
            } catch {
                fatalError("the reply to \(outcome) does not parse (\(error)): \(Array(reply))")
            }
            guard parsed.relayDepth == packet.relays.depth, let dhcpv4 = parsed.dhcpv4 else {
                fatalError("the reply to \(outcome) is \(parsed) for a query with \(packet.relays.depth) relay(s)")
            }
            guard dhcpv4.type == type, dhcpv4.transactionID == query.message.header.xid else {
                fatalError("the engine said \(outcome) but the reply is \(parsed)")
            }
            guard afterCommit == (type == .ack && dhcpv4.yiaddr != .zero) else {
                fatalError("\(outcome) with yiaddr \(dhcpv4.yiaddr): only an ACK granting a lease waits for the commit")
            }
            checkGranted(dhcpv4, type, engine: path.engines[shard], query)
        }
    }

    /// An OFFER or an ACK naming an address is the client's current binding, option 159 included.
    private func checkGranted(
        _ reply: ParsedReply.DHCPv4Reply, _ type: DHCPv4MessageType, engine: LeaseEngine, _ query: EngineQuery
    ) {
        guard type == .offer || type == .ack, reply.yiaddr != .zero else { return }
        guard let key = query.message.clientKey, let lease = engine.lease(of: key) else {
            fatalError("\(type) of \(reply.yiaddr), but the engine holds nothing for the client")
        }
        let binding = lease.binding
        guard lease.kind == (type == .offer ? .offered : .bound) || (type == .offer && lease.kind == .bound) else {
            fatalError("\(type) of \(reply.yiaddr), but the client's binding is \(lease.kind)")
        }
        let params = reply.portParams
        guard binding.address == reply.yiaddr, (params?.psidLength ?? 0) == binding.psidLength,
            params.map({ $0.psid == binding.psid }) ?? true
        else {
            fatalError("\(type) of \(reply.yiaddr) \(params.map { "\($0)" } ?? "") but the client holds \(binding)")
        }
    }

    /// A Reply carrying option 88, relayed back as the Information-Request came.
    private func checkInformationReply(_ delivery: ServerPath.Delivery, _ payload: UnsafeRawBufferPointer) {
        guard let reply = delivery.reply else { fatalError("answered without a reply") }
        let depth: Int
        do throws(WireError) {
            depth = try DHCPv6Packet(parsing: payload).relays.depth
        } catch {
            fatalError("answered a datagram that does not parse: \(error)")
        }
        do throws(WireError) {
            let parsed = try ParsedReply(parsing: reply)
            guard parsed.relayDepth == depth, parsed.type == .reply, parsed.hasOption88 else {
                fatalError("the Information-Request's reply is \(parsed), for \(depth) relay(s)")
            }
        } catch {
            fatalError("the Information-Request's reply does not parse (\(error)): \(Array(reply))")
        }
    }

    /// The subscriber of `query` holds at most the configured number of leases and offers.
    func checkSubscriberLimit(_ shard: Int, _ query: EngineQuery) {
        guard let limit = path.engines[shard].configuration.leasesPerSubscriber else { return }
        let count = path.engines[shard].activeCount(subscriberOf: query)
        if count > limit { fatalError("a subscriber holds \(count) leases, over its limit of \(limit)") }
    }

    /// Calls `body` with `payload` decoded as the worker decodes it; nothing for a datagram
    /// that is not a DHCPV4-QUERY.
    func withQuery(
        _ payload: UnsafeRawBufferPointer, origin: DatagramOrigin, _ body: (DHCPv6Packet, EngineQuery) -> Void
    ) {
        do throws(WireError) {
            let packet = try DHCPv6Packet(parsing: payload)
            let query = try DHCPv4QueryView(packet.message)
            let message = try DHCPv4MessageView(parsing: query.dhcpv4Message)
            body(packet, EngineQuery(query: query, message: message, relays: packet.relays, source: origin.source))
        } catch {
            return
        }
    }
}
