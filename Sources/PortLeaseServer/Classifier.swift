import LeaseEngine
import PortLeaseSystem
import PortLeaseWire

/// The receive path's first look at a datagram, without allocating: unwrap the
/// relays, answer an Information-Request with option 88 on the spot, and send a
/// DHCPV4-QUERY to the shard that owns its client (by the stable hash of option 61
/// or htype+chaddr), unless it is a DISCOVER over its source's rate
/// (``DiscoverRateLimiter``). Everything else is dropped and counted by reason.
public final class Classifier: @unchecked Sendable {
    /// Where a DHCPV4-QUERY waits for its worker.
    public struct QueryRoute: Hashable, Sendable {
        /// The shard that owns its client.
        public var shard: Int
        /// DISCOVERs start exchanges; everything else finishes one or keeps a lease.
        public var lane: ShardQueue.Lane
        /// The exchange it belongs to (client, xid and message type), for spotting a
        /// retransmission still waiting; 0 for a message without a client identity.
        public var exchange: UInt64

        public init(shard: Int, lane: ShardQueue.Lane = .continuing, exchange: UInt64 = 0) {
            self.shard = shard
            self.lane = lane
            self.exchange = exchange
        }
    }

    /// What to do with a datagram.
    public enum Decision: Hashable, Sendable {
        /// Queue it as `route` says.
        case query(QueryRoute)
        /// A reply was written into the caller's writer: send it back.
        case answered
        /// Drop it (already counted).
        case dropped(DatagramDropReason)
    }

    public let shardCount: Int
    /// Our DHCPv6 Server Identifier (option 2).
    public let serverDUID: [UInt8]
    /// Option 88's contents: the 4o6 server addresses clients should unicast to.
    public let serverAddresses: [IPv6Address]

    /// `serverDUID` copied once into memory of our own, so writing it needs no
    /// closure over the array (whose rethrowing API would lose the typed error).
    private let duid: UnsafeMutableRawBufferPointer
    /// DISCOVERs per source prefix; nil: no limit.
    private let discoverLimiter: DiscoverRateLimiter?

    public init(
        shardCount: Int, serverDUID: [UInt8], serverAddresses: [IPv6Address],
        discoverRate: DiscoverRate? = nil
    ) {
        precondition(shardCount > 0, "at least one shard")
        self.shardCount = shardCount
        discoverLimiter = discoverRate.map { DiscoverRateLimiter($0) }
        self.serverDUID = serverDUID
        self.serverAddresses = serverAddresses
        duid = .allocate(byteCount: serverDUID.count, alignment: 1)
        duid.copyBytes(from: serverDUID)
    }

    deinit {
        duid.deallocate()
    }

    /// Decides what to do with `payload`, which came from `source`; for
    /// ``Decision/answered`` the reply is in `reply`. `now` (monotonic milliseconds)
    /// is read only for a DISCOVER when a rate is set.
    public func classify(
        _ payload: UnsafeRawBufferPointer, source: IPv6Address, reply: inout ByteWriter, counters: ServerCounters,
        now: () -> Int64 = { Int64(SystemClock.monotonicNanoseconds() / 1_000_000) }
    ) -> Decision {
        var parsed: QueuedQuery?
        return classify(payload, source: source, reply: &reply, counters: counters, parsed: &parsed, now: now)
    }

    /// ``classify(_:source:reply:counters:now:)``, keeping the parse of a query to queue in
    /// `parsed` (set for ``Decision/query(_:)``), so the shard worker need not parse it again.
    package func classify(
        _ payload: UnsafeRawBufferPointer, source: IPv6Address, reply: inout ByteWriter, counters: ServerCounters,
        parsed: inout QueuedQuery?, now: () -> Int64 = { Int64(SystemClock.monotonicNanoseconds() / 1_000_000) }
    ) -> Decision {
        let packet: DHCPv6Packet
        do throws(WireError) {
            packet = try DHCPv6Packet(parsing: payload)
        } catch {
            counters.countDrop(.malformedDHCPv6)
            return .dropped(.malformedDHCPv6)
        }
        counters.countReceived(type: packet.message.type.rawValue)
        switch packet.message.type {
        case .dhcpv4Query:
            return route(packet, source: source, counters, parsed: &parsed, now: now)
        case .informationRequest:
            return answer(packet, reply: &reply, counters: counters)
        default:
            counters.countDrop(.unsupportedMessageType)
            return .dropped(.unsupportedMessageType)
        }
    }

    private func route(
        _ packet: DHCPv6Packet, source: IPv6Address, _ counters: ServerCounters, parsed: inout QueuedQuery?,
        now: () -> Int64
    ) -> Decision {
        let query: DHCPv4QueryView
        let message: DHCPv4MessageView
        do throws(WireError) {
            query = try DHCPv4QueryView(packet.message)
            do throws(WireError) {
                message = try DHCPv4MessageView(parsing: query.dhcpv4Message)
            } catch {
                counters.countDrop(.malformedDHCPv4)
                return .dropped(.malformedDHCPv4)
            }
        } catch {
            counters.countDrop(.malformedDHCPv6)
            return .dropped(.malformedDHCPv6)
        }
        let isDiscover = message.messageType == .discover
        if let discoverLimiter, isDiscover,
            !discoverLimiter.admit(packet.relays.innermost?.peerAddress ?? source, now: now())
        {
            counters.countDrop(.discoverRate)
            return .dropped(.discoverRate)
        }
        parsed = QueuedQuery(packet: packet, query: query, message: message)
        // A message without any identity still goes to a shard, whose engine counts it.
        guard let hash = message.clientKeyHash else { return .query(QueryRoute(shard: 0)) }
        let transaction = UInt64(message.header.xid) << 8 | UInt64(message.messageType?.rawValue ?? 0)
        let exchange = hash ^ (transaction &* 0x9E37_79B9_7F4A_7C15)
        return .query(
            QueryRoute(
                shard: ShardChoice.shard(forClientHash: hash, shardCount: shardCount),
                lane: isDiscover ? .starting : .continuing,
                exchange: exchange == 0 ? 1 : exchange))
    }

    /// Information-Request -> Reply with option 88 (RFC 7341 section 5), wrapped in
    /// the mirrored Relay-reply chain when it was relayed.
    private func answer(_ packet: DHCPv6Packet, reply: inout ByteWriter, counters: ServerCounters) -> Decision {
        let request: InformationRequestView
        do throws(WireError) {
            request = try InformationRequestView(packet.message)
        } catch {
            counters.countDrop(.malformedDHCPv6)
            return .dropped(.malformedDHCPv6)
        }
        if let serverID = request.serverIdentifier, !serverID.elementsEqual(serverDUID) {
            counters.countDrop(.otherServer)
            return .dropped(.otherServer)
        }
        do throws(WireError) {
            try reply.writeRelayReplies(mirroring: packet.relays) { (inner) throws(WireError) in
                try inner.writeInformationReply(
                    transactionID: request.message.transactionID, serverDUID: UnsafeRawBufferPointer(duid),
                    clientIdentifier: request.clientIdentifier, serverAddresses: serverAddresses)
            }
        } catch {
            counters.countDrop(.replyFailed)
            return .dropped(.replyFailed)
        }
        counters.informationReplies.add(1, ordering: .relaxed)
        return .answered
    }
}
