/// A DHCPv6 option code (IANA "DHCPv6 Option Codes"): the ones PortLease reads or writes.
public struct DHCPv6OptionCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// OPTION_CLIENTID (RFC 8415 21.2): the client's DUID.
    public static let clientIdentifier = Self(rawValue: 1)
    /// OPTION_SERVERID (RFC 8415 21.3): the server's DUID.
    public static let serverIdentifier = Self(rawValue: 2)
    /// OPTION_ORO (RFC 8415 21.7): a list of 16-bit option codes the client wants.
    public static let optionRequest = Self(rawValue: 6)
    /// OPTION_RELAY_MSG (RFC 8415 21.10): the relayed message.
    public static let relayMessage = Self(rawValue: 9)
    /// OPTION_STATUS_CODE (RFC 8415 21.13).
    public static let statusCode = Self(rawValue: 13)
    /// OPTION_INTERFACE_ID (RFC 8415 21.18): opaque, echoed in the Relay-reply.
    public static let interfaceID = Self(rawValue: 18)
    /// OPTION_REMOTE_ID (RFC 4649): enterprise number + the relay's remote id.
    public static let remoteID = Self(rawValue: 37)
    /// OPTION_SUBSCRIBER_ID (RFC 4580): opaque subscriber identity.
    public static let subscriberID = Self(rawValue: 38)
    /// OPTION_RELAY_SOURCE_PORT (RFC 8357): the downstream source port of a relay.
    public static let relaySourcePort = Self(rawValue: 135)
    /// OPTION_DHCPV4_MSG (RFC 7341): one whole DHCPv4 message.
    public static let dhcpv4Message = Self(rawValue: 87)
    /// OPTION_DHCP4_O_DHCP6_SERVER (RFC 7341): IPv6 addresses of 4o6 servers.
    public static let dhcp4o6ServerAddresses = Self(rawValue: 88)

    public var description: String {
        "option-\(rawValue)"
    }
}
