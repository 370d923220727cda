/// A received DHCPv6 datagram, unwrapped: its relay chain and the client message inside.
///
/// This is the first thing the receive path does with a datagram: one pass that
/// validates every relay level and the innermost message's options, without
/// copying or allocating. Every relay level must have the outermost level's
/// type (all Relay-forward for a server, all Relay-reply for a client or test
/// relay). The view borrows the caller's memory: it is valid only while that buffer is.
public struct DHCPv6Packet {
    /// The relay levels, outermost first; empty when the client sent it directly.
    public private(set) var relays: RelayChain
    /// The innermost client/server message.
    public private(set) var message: DHCPv6MessageView

    public init(parsing bytes: UnsafeRawBufferPointer) throws(WireError) {
        // Levels are appended to `self.relays` in place: the chain is a few hundred
        // bytes, and building it aside cost a copy per packet.
        relays = RelayChain(datagram: bytes)
        var current = bytes
        guard current.count >= 1 else {
            throw .truncatedHeader(layer: .dhcpv6, needed: DHCPv6MessageView.headerSize, available: 0)
        }
        let outerType = DHCPv6MessageType(rawValue: current.readUInt8(at: 0))
        while current.count >= 1, DHCPv6MessageType(rawValue: current.readUInt8(at: 0)).isRelay {
            // The level's parts, not a whole view: the chain keeps only those.
            let parts = try RelayMessageView.parts(of: current)
            let type = DHCPv6MessageType(rawValue: current.readUInt8(at: 0))
            guard type == outerType else { throw .unexpectedMessageType(layer: .relay, type: type.rawValue) }
            try relays.append(current, parts)
            current = parts.relayedMessage
        }
        message = try DHCPv6MessageView(parsing: current)
    }

    /// This packet, read from the copy `move` leads to (``ByteRelocation``).
    package func relocated(_ move: ByteRelocation) -> DHCPv6Packet {
        var packet = self
        packet.relays = relays.relocated(move)
        packet.message = message.relocated(move)
        return packet
    }
}
