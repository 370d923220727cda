import PortLeaseWire

/// What the generator needs from one received datagram, copied out of the receive buffer.
///
/// Parsing goes through `PortLeaseWire`'s views (`DHCPv6Packet`, `DHCPv4QueryView`,
/// `DHCPv4MessageView`): the same validation the server applies to queries, on the way back.
public struct ParsedReply: Sendable, Equatable {
    /// What the innermost DHCPv6 message was.
    public enum Body: Sendable, Equatable {
        /// A DHCPV4-RESPONSE: the DHCPv4 reply inside it.
        case dhcpv4(DHCPv4Reply)
        /// A DHCPv6 Reply (to an Information-Request): its transaction id and whether option 88 came.
        case reply(transactionID: UInt32, hasOption88: Bool)
        /// A DHCPV4-QUERY (an echo responder returned the query): its DHCPv4 xid.
        case echo(transactionID: UInt32)
    }

    /// The fields of a DHCPv4 reply the scenarios check.
    public struct DHCPv4Reply: Sendable, Equatable {
        public var type: DHCPv4MessageType?
        public var transactionID: UInt32
        public var hardwareAddress: ClientHardwareAddress
        public var yiaddr: IPv4Address
        public var serverIdentifier: IPv4Address?
        public var portParams: PortParams?
    }

    public var body: Body
    /// The number of Relay-reply levels around the message.
    public var relayDepth: Int
    /// The innermost level's peer-address (the client's address), when relayed.
    public var peerAddress: IPv6Address?

    /// Parses `bytes`; a datagram that does not parse, or parses to a message a client never
    /// receives, throws the `PerfError` it is counted as.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(PerfError) {
        let packet: DHCPv6Packet
        do throws(WireError) { packet = try DHCPv6Packet(parsing: bytes) } catch { throw .malformed }
        relayDepth = packet.relays.depth
        peerAddress = packet.relays.innermost?.peerAddress
        let message = packet.message
        switch message.type {
        case .dhcpv4Response, .dhcpv4Query:
            let inner: DHCPv4MessageView
            do throws(WireError) {
                let query = try DHCPv4QueryView(message, type: message.type)
                inner = try DHCPv4MessageView(parsing: query.dhcpv4Message)
            } catch { throw .malformed }
            if message.type == .dhcpv4Query {
                body = .echo(transactionID: inner.header.xid)
            } else {
                body = .dhcpv4(
                    DHCPv4Reply(
                        type: inner.messageType, transactionID: inner.header.xid, hardwareAddress: inner.header.chaddr,
                        yiaddr: inner.header.yiaddr, serverIdentifier: inner.serverIdentifier,
                        portParams: inner.portParams))
            }
        case .reply:
            body = .reply(
                transactionID: message.transactionID,
                hasOption88: message.options.first(.dhcp4o6ServerAddresses) != nil)
        default:
            throw .unexpectedType
        }
    }
}
