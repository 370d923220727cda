/// A DHCPv4 option code (RFC 2132 and later): the ones PortLease reads or writes.
///
/// Any other code is still carried, as raw code and bytes; these names are for
/// the options the server interprets.
public struct DHCPv4OptionCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public static let pad = Self(rawValue: 0)
    public static let subnetMask = Self(rawValue: 1)
    public static let routers = Self(rawValue: 3)
    public static let domainNameServers = Self(rawValue: 6)
    public static let domainName = Self(rawValue: 15)
    public static let interfaceMTU = Self(rawValue: 26)
    public static let requestedAddress = Self(rawValue: 50)
    public static let leaseTime = Self(rawValue: 51)
    /// Option overload: 1 = options continue in `file`, 2 = in `sname`, 3 = both.
    public static let optionOverload = Self(rawValue: 52)
    public static let messageType = Self(rawValue: 53)
    public static let serverIdentifier = Self(rawValue: 54)
    public static let parameterRequestList = Self(rawValue: 55)
    public static let message = Self(rawValue: 56)
    public static let maximumMessageSize = Self(rawValue: 57)
    public static let renewalTime = Self(rawValue: 58)
    public static let rebindingTime = Self(rawValue: 59)
    public static let clientIdentifier = Self(rawValue: 61)
    /// OPTION_V4_PORTPARAMS (RFC 7618).
    public static let portParams = Self(rawValue: 159)
    public static let end = Self(rawValue: 255)

    public var description: String {
        "option-\(rawValue)"
    }
}
