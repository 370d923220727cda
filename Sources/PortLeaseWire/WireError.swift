/// Which protocol layer a ``WireError`` was found in.
public enum WireLayer: Sendable, Hashable {
    /// A DHCPv6 client/server message (including DHCPV4-QUERY/RESPONSE framing).
    case dhcpv6
    /// A DHCPv6 Relay-forward or Relay-reply message.
    case relay
    /// The DHCPv4 (BOOTP) message carried in option 87.
    case dhcpv4
}

/// Everything that can be wrong with bytes PortLease reads or writes.
///
/// Decoders never trap on malformed input; they throw one of these, typed, so the
/// caller can count the drop reason without allocating an existential error.
/// Offsets are byte offsets within the buffer the failing view was parsing.
public enum WireError: Error, Hashable, Sendable {
    /// The buffer ended inside a fixed-size header that needs `needed` bytes.
    case truncatedHeader(layer: WireLayer, needed: Int, available: Int)
    /// An option header or value at `offset` runs past the end of its container.
    case optionOverrun(layer: WireLayer, code: UInt16, offset: Int)
    /// The message type is not one this decoder accepts (a relay where a client
    /// message was expected, a DHCPV4-RESPONSE where a query was expected, ...).
    case unexpectedMessageType(layer: WireLayer, type: UInt8)
    /// A DHCPV4-QUERY or DHCPV4-RESPONSE without OPTION_DHCPV4_MSG (87).
    case missingDHCPv4Message
    /// A DHCPV4-QUERY or DHCPV4-RESPONSE with more than one OPTION_DHCPV4_MSG (87).
    case duplicateDHCPv4Message
    /// More than ``RelayChain/maximumDepth`` nested Relay-forward messages.
    case relayChainTooDeep(limit: Int)
    /// A relay message (hop-count given) without OPTION_RELAY_MSG (9).
    case missingRelayMessage(hopCount: UInt8)
    /// A relay message (hop-count given) with more than one OPTION_RELAY_MSG (9).
    case duplicateRelayMessage(hopCount: UInt8)
    /// OPTION_DHCP4_O_DHCP6_SERVER (88) whose length is not a multiple of 16.
    case badServerAddressListLength(Int)
    /// The DHCPv4 magic cookie is not 99.130.83.99.
    case badMagicCookie(UInt32)
    /// The DHCPv4 hlen field is larger than the 16-byte chaddr field.
    case badHardwareAddressLength(UInt8)
    /// An option whose length is wrong for its type (for example option 53 with
    /// a length other than 1, or a DHCPv6 Option Request of odd length).
    case badOptionLength(layer: WireLayer, code: UInt16, length: Int)
    /// An option whose value is not one of the defined ones (for example option
    /// overload (52) other than 1, 2 or 3).
    case badOptionValue(layer: WireLayer, code: UInt16)
    /// OPTION_V4_PORTPARAMS (159) is malformed.
    case badPortParams(PortParamsError)
    /// An encoder ran out of room in the caller's buffer.
    case bufferTooSmall(needed: Int, available: Int)
}
