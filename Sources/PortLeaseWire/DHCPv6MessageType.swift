/// A DHCPv6 message type (RFC 8415 section 7.3, RFC 7341 section 6).
///
/// A struct rather than an enum so that unknown types received from the network
/// are representable (and countable) instead of being a decoding failure.
public struct DHCPv6MessageType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public static let solicit = Self(rawValue: 1)
    public static let advertise = Self(rawValue: 2)
    public static let request = Self(rawValue: 3)
    public static let confirm = Self(rawValue: 4)
    public static let renew = Self(rawValue: 5)
    public static let rebind = Self(rawValue: 6)
    public static let reply = Self(rawValue: 7)
    public static let release = Self(rawValue: 8)
    public static let decline = Self(rawValue: 9)
    public static let reconfigure = Self(rawValue: 10)
    public static let informationRequest = Self(rawValue: 11)
    public static let relayForward = Self(rawValue: 12)
    public static let relayReply = Self(rawValue: 13)
    /// DHCPV4-QUERY (RFC 7341): a DHCPv4 message from a client, in option 87.
    public static let dhcpv4Query = Self(rawValue: 20)
    /// DHCPV4-RESPONSE (RFC 7341): a DHCPv4 message from a server, in option 87.
    public static let dhcpv4Response = Self(rawValue: 21)

    /// Relay-forward and Relay-reply have the 34-byte relay header instead of the
    /// 4-byte client/server header.
    public var isRelay: Bool {
        self == .relayForward || self == .relayReply
    }

    public var description: String {
        switch self {
        case .solicit: "SOLICIT"
        case .advertise: "ADVERTISE"
        case .request: "REQUEST"
        case .confirm: "CONFIRM"
        case .renew: "RENEW"
        case .rebind: "REBIND"
        case .reply: "REPLY"
        case .release: "RELEASE"
        case .decline: "DECLINE"
        case .reconfigure: "RECONFIGURE"
        case .informationRequest: "INFORMATION-REQUEST"
        case .relayForward: "RELAY-FORW"
        case .relayReply: "RELAY-REPL"
        case .dhcpv4Query: "DHCPV4-QUERY"
        case .dhcpv4Response: "DHCPV4-RESPONSE"
        default: "type-\(rawValue)"
        }
    }
}
