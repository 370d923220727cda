import PortLeaseWire

/// A reply the server sent, parsed as a client (or a relay) would: through
/// `DHCPv6Packet`, then `DHCPv4QueryView` and `DHCPv4MessageView` for a DHCPV4-RESPONSE.
public struct ParsedReply: CustomStringConvertible {
    /// The DHCPv4 reply's fields the audit and the seed clients read.
    public struct DHCPv4Reply {
        public var type: DHCPv4MessageType?
        public var transactionID: UInt32
        public var yiaddr: IPv4Address
        public var portParams: PortParams?
    }

    /// The Relay-reply levels around the message.
    public var relayDepth: Int
    /// The DHCPv6 message type inside them.
    public var type: DHCPv6MessageType
    /// For a DHCPV4-RESPONSE: the DHCPv4 reply.
    public var dhcpv4: DHCPv4Reply?
    /// For a Reply: whether it carries option 88.
    public var hasOption88 = false

    public init(parsing bytes: UnsafeRawBufferPointer) throws(WireError) {
        let packet = try DHCPv6Packet(parsing: bytes)
        relayDepth = packet.relays.depth
        type = packet.message.type
        if type == .dhcpv4Response {
            let response = try DHCPv4QueryView(packet.message, type: .dhcpv4Response)
            let message = try DHCPv4MessageView(parsing: response.dhcpv4Message)
            dhcpv4 = DHCPv4Reply(
                type: message.messageType, transactionID: message.header.xid, yiaddr: message.header.yiaddr,
                portParams: message.portParams)
        }
        hasOption88 = packet.message.options.first(.dhcp4o6ServerAddresses) != nil
    }

    public var description: String {
        let body = dhcpv4.map { "\($0.type.map { "\($0)" } ?? "no type") yiaddr \($0.yiaddr)" } ?? "\(type)"
        return "\(body) in \(relayDepth) relay level(s)"
    }
}
