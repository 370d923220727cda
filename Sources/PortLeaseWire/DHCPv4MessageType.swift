/// A DHCP message type (option 53, RFC 2132 section 9.6).
///
/// A struct rather than an enum so an unknown value received from the network
/// is representable (and countable) rather than a decoding failure.
public struct DHCPv4MessageType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public static let discover = Self(rawValue: 1)
    public static let offer = Self(rawValue: 2)
    public static let request = Self(rawValue: 3)
    public static let decline = Self(rawValue: 4)
    public static let ack = Self(rawValue: 5)
    public static let nak = Self(rawValue: 6)
    public static let release = Self(rawValue: 7)
    public static let inform = Self(rawValue: 8)

    public var description: String {
        switch self {
        case .discover: "DHCPDISCOVER"
        case .offer: "DHCPOFFER"
        case .request: "DHCPREQUEST"
        case .decline: "DHCPDECLINE"
        case .ack: "DHCPACK"
        case .nak: "DHCPNAK"
        case .release: "DHCPRELEASE"
        case .inform: "DHCPINFORM"
        default: "DHCP-type-\(rawValue)"
        }
    }
}
