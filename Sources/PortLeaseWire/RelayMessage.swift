/// A Relay-forward or Relay-reply message as an owned value, its options
/// (including the relayed message, option 9) in order.
///
/// For tests, test relays and the load generator; the receive path uses
/// ``RelayMessageView`` and ``RelayChain``.
public struct RelayMessage: Hashable, Sendable {
    public var type: DHCPv6MessageType
    public var hopCount: UInt8
    public var linkAddress: IPv6Address
    public var peerAddress: IPv6Address
    public var options: [DHCPv6Message.Option]

    public init(
        type: DHCPv6MessageType, hopCount: UInt8, linkAddress: IPv6Address, peerAddress: IPv6Address,
        options: [DHCPv6Message.Option]
    ) {
        self.type = type
        self.hopCount = hopCount
        self.linkAddress = linkAddress
        self.peerAddress = peerAddress
        self.options = options
    }

    /// Copies a parsed relay level.
    public init(_ view: RelayMessageView) {
        type = view.type
        hopCount = view.hopCount
        linkAddress = view.linkAddress
        peerAddress = view.peerAddress
        options = view.options.map { DHCPv6Message.Option($0.code, Array($0.value)) }
    }

    /// The relayed message (option 9's value), if present.
    public var relayedMessage: [UInt8]? {
        options.first { $0.code == .relayMessage }?.value
    }

    /// Writes the message.
    public func encode(into writer: inout ByteWriter) throws(WireError) {
        try writer.writeRelayHeader(type: type, hopCount: hopCount, linkAddress: linkAddress, peerAddress: peerAddress)
        for option in options { try writer.writeDHCPv6Option(option.code, bytes: option.value) }
    }

    /// The encoded bytes.
    public func encoded() -> [UInt8] {
        let size = RelayMessageView.headerSize + options.reduce(0) { $0 + 4 + $1.value.count }
        return ByteWriter.array(capacity: size) { (writer) throws(WireError) in try encode(into: &writer) }
    }
}
