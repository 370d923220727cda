/// A DHCPV4-QUERY or DHCPV4-RESPONSE (RFC 7341 section 6) read in place.
///
/// `msg-type (20 or 21) | flags (3) | options`, where the options carry exactly
/// one OPTION_DHCPV4_MSG (87) holding the whole DHCPv4 message. A message without
/// it, or with two, must be discarded (RFC 7341 section 7), so both are errors.
/// The view borrows the caller's memory: it is valid only while that buffer is.
public struct DHCPv4QueryView {
    /// The U (unicast) flag: the DHCPv4 message would have been unicast over IPv4
    /// (RENEWING). The server uses it where RFC 2131 asks how the packet arrived.
    public static let unicastFlag: UInt32 = 0x80_0000

    public let message: DHCPv6MessageView
    /// The DHCPv4 message (option 87's value), to be parsed by ``DHCPv4MessageView``.
    public let dhcpv4Message: UnsafeRawBufferPointer

    /// Accepts a DHCPV4-QUERY (the server side) or, with `type: .dhcpv4Response`,
    /// a DHCPV4-RESPONSE (the client and load-generator side).
    public init(_ message: DHCPv6MessageView, type: DHCPv6MessageType = .dhcpv4Query) throws(WireError) {
        guard message.type == type else { throw .unexpectedMessageType(layer: .dhcpv6, type: message.type.rawValue) }
        var found: UnsafeRawBufferPointer?
        for option in message.options where option.code == .dhcpv4Message {
            guard found == nil else { throw .duplicateDHCPv4Message }
            found = option.value
        }
        guard let found else { throw .missingDHCPv4Message }
        self.message = message
        dhcpv4Message = found
    }

    /// The 24-bit flags field. Bits other than U are reserved; they are exposed
    /// here but not rejected, as RFC 7341 only requires senders to zero them.
    public var flags: UInt32 { message.transactionID }

    /// True when the client set the U flag (it would have unicast the DHCPv4 message).
    public var isUnicast: Bool { flags & Self.unicastFlag != 0 }
}
