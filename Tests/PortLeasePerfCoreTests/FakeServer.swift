import PortLeasePerfCore
import PortLeaseWire

/// A scripted 4o6 server for the engine tests: decodes a query the engine sent and builds
/// the reply a test asks for, mirroring the query's relay chain.
struct FakeServer {
    static let serverID = IPv4Address(192, 0, 2, 1)

    /// The decoded query: relay peer-addresses (outermost first), 4o6 flags and DHCPv4 message
    /// (nil for an Information-Request, whose transaction id is in `transactionID`).
    struct Query {
        var relays: [RelayMessage]
        var flags: UInt32
        var dhcpv4: DHCPv4Message?
        var transactionID: UInt32
    }

    static func decode(_ bytes: [UInt8]) throws -> Query {
        var relays: [RelayMessage] = []
        var current = bytes
        while current.first == DHCPv6MessageType.relayForward.rawValue {
            let relay = try current.withUnsafeBytes { RelayMessage(try RelayMessageView(parsing: $0)) }
            relays.append(relay)
            current = relay.relayedMessage ?? []
        }
        return try current.withUnsafeBytes { raw in
            let message = try DHCPv6MessageView(parsing: raw)
            if message.type == .informationRequest {
                return Query(relays: relays, flags: 0, dhcpv4: nil, transactionID: message.transactionID)
            }
            let query = try DHCPv4QueryView(message)
            return Query(
                relays: relays, flags: query.flags,
                dhcpv4: DHCPv4Message(try DHCPv4MessageView(parsing: query.dhcpv4Message)), transactionID: 0)
        }
    }

    /// A DHCPV4-RESPONSE to `query` of `type`, giving `yiaddr` and `portParams`.
    static func reply(
        to query: Query, _ type: DHCPv4MessageType, yiaddr: IPv4Address, portParams: PortParams? = nil,
        xid: UInt32? = nil
    ) -> [UInt8] {
        let request = query.dhcpv4!
        var options: [DHCPv4Message.Option] = [
            .init(.messageType, [type.rawValue]), .init(.serverIdentifier, serverID.bytes),
        ]
        if let portParams {
            options.append(.init(.portParams, [portParams.offset, portParams.psidLength] + bytes(portParams.wirePSID)))
        }
        let message = DHCPv4Message(
            header: DHCPv4Header(
                op: DHCPv4Header.bootReply, xid: xid ?? request.header.xid, yiaddr: yiaddr,
                chaddr: request.header.chaddr),
            options: options)
        let response = DHCPv6Message(
            type: .dhcpv4Response, transactionID: 0, options: [.init(.dhcpv4Message, message.encoded())])
        return wrap(response.encoded(), like: query)
    }

    /// A Reply to an Information-Request, with or without option 88.
    static func informationReply(to query: Query, option88: Bool = true) -> [UInt8] {
        let reply = DHCPv6Message(
            type: .reply, transactionID: query.transactionID,
            options: option88 ? [.init(.dhcp4o6ServerAddresses, Array(repeating: 0, count: 15) + [1])] : [])
        return wrap(reply.encoded(), like: query)
    }

    /// Wraps `inner` in Relay-reply levels mirroring the query's Relay-forwards.
    static func wrap(_ inner: [UInt8], like query: Query) -> [UInt8] {
        var bytes = inner
        for relay in query.relays.reversed() {
            bytes = RelayMessage(
                type: .relayReply, hopCount: relay.hopCount, linkAddress: relay.linkAddress,
                peerAddress: relay.peerAddress, options: [.init(.relayMessage, bytes)]
            ).encoded()
        }
        return bytes
    }

    static func bytes(_ value: UInt16) -> [UInt8] { withUnsafeBytes(of: value.bigEndian, Array.init) }
}

/// Collects what an engine sends.
final class Outbox {
    var datagrams: [[UInt8]] = []

    func send(_ bytes: UnsafeRawBufferPointer) { datagrams.append(Array(bytes)) }

    /// Removes and decodes everything sent so far.
    func take() throws -> [FakeServer.Query] {
        defer { datagrams.removeAll() }
        return try datagrams.map(FakeServer.decode)
    }
}

extension ExchangeEngine {
    /// Hands `bytes` to the engine as a received reply.
    func receive(_ bytes: [UInt8], now: UInt64 = 1_000, outbox: Outbox) {
        bytes.withUnsafeBytes { handle($0, now: now, send: outbox.send) }
    }
}

extension QueryBuilder {
    /// A copy of the query (the builder's buffer is reused and lives only as long as the builder).
    func bytes(_ spec: DHCPv4QuerySpec, subscriber: SubscriberIdentity, transactionID: UInt32) -> [UInt8] {
        Array(dhcpv4Query(spec, subscriber: subscriber, transactionID: transactionID))
    }
}
