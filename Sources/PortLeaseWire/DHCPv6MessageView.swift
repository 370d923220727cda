/// A DHCPv6 client/server message read in place: `msg-type | transaction-id (3) | options`.
///
/// DHCPV4-QUERY and DHCPV4-RESPONSE (RFC 7341) share this framing, with the
/// 24-bit field holding flags instead of a transaction id (see ``DHCPv4QueryView``).
/// Relay messages have a different header and are read by ``RelayMessageView``.
/// The view borrows the caller's memory: it is valid only while that buffer is.
public struct DHCPv6MessageView {
    /// Size of the fixed header.
    public static let headerSize = 4

    /// The whole message.
    public let bytes: UnsafeRawBufferPointer
    public let type: DHCPv6MessageType
    /// The 24-bit transaction id (or, for DHCPV4-QUERY/RESPONSE, the flags).
    public let transactionID: UInt32
    public let options: DHCPv6Options

    /// Parses a client/server message. Throws for a truncated header, a relay
    /// message type (use ``RelayMessageView``), or a malformed options area.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(WireError) {
        guard bytes.count >= Self.headerSize else {
            throw .truncatedHeader(layer: .dhcpv6, needed: Self.headerSize, available: bytes.count)
        }
        let type = DHCPv6MessageType(rawValue: bytes.readUInt8(at: 0))
        guard !type.isRelay else { throw .unexpectedMessageType(layer: .dhcpv6, type: type.rawValue) }
        self.bytes = bytes
        self.type = type
        transactionID = bytes.readUInt24(at: 1)
        options = try DHCPv6Options(validating: bytes.slice(4, bytes.count - 4), layer: .dhcpv6)
    }
}
