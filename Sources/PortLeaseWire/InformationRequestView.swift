/// A DHCPv6 Information-Request (11) read in place, as 4o6 clients send it to
/// learn option 88 before any DHCPV4-QUERY (RFC 7341 section 5).
///
/// The server answers with a Reply carrying the same transaction id, its Server
/// Identifier, the Client Identifier echoed when present, and option 88
/// (see ``ByteWriter/writeInformationReply(transactionID:serverDUID:clientIdentifier:serverAddresses:)``).
/// The view borrows the caller's memory: it is valid only while that buffer is.
public struct InformationRequestView {
    public let message: DHCPv6MessageView
    /// The client's DUID (option 1), if it sent one (RFC 8415 allows omitting it here).
    public let clientIdentifier: UnsafeRawBufferPointer?
    /// A Server Identifier (option 2): when present and not ours the request is for another server.
    public let serverIdentifier: UnsafeRawBufferPointer?
    /// The Option Request option (6): a list of 16-bit codes; empty when absent.
    public let requestedOptions: UnsafeRawBufferPointer

    /// Throws for another message type, or an Option Request option of odd length.
    public init(_ message: DHCPv6MessageView) throws(WireError) {
        guard message.type == .informationRequest else {
            throw .unexpectedMessageType(layer: .dhcpv6, type: message.type.rawValue)
        }
        let oro = message.options.first(.optionRequest) ?? UnsafeRawBufferPointer(start: nil, count: 0)
        guard oro.count % 2 == 0 else {
            throw .badOptionLength(layer: .dhcpv6, code: DHCPv6OptionCode.optionRequest.rawValue, length: oro.count)
        }
        self.message = message
        clientIdentifier = message.options.first(.clientIdentifier)
        serverIdentifier = message.options.first(.serverIdentifier)
        requestedOptions = oro
    }

    /// True when the Option Request option lists `code` (clients may list 88 twice).
    public func requests(_ code: DHCPv6OptionCode) -> Bool {
        var offset = 0
        while offset + 2 <= requestedOptions.count {
            if requestedOptions.readUInt16(at: offset) == code.rawValue { return true }
            offset += 2
        }
        return false
    }
}
