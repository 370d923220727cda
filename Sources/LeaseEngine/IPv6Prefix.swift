import PortLeaseWire

/// An IPv6 prefix (`2001:db8:100::/40`): pool matching on a client's source
/// address or a relay's link-address, and the per-subscriber key `client-prefix/56`.
public struct IPv6Prefix: Hashable, Sendable, CustomStringConvertible {
    /// The prefix's address with every bit past `length` cleared.
    public let address: IPv6Address
    /// 0...128.
    public let length: Int

    /// Creates a prefix; bits of `address` past `length` are cleared. Nil when
    /// `length` is outside 0...128.
    public init?(address: IPv6Address, length: Int) {
        guard (0...128).contains(length) else { return nil }
        self.address = Self.mask(address, length)
        self.length = length
    }

    /// Parses `address/length`. Nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPv6Address(parts[0]), let length = Int(parts[1]) else { return nil }
        self.init(address: address, length: length)
    }

    /// `address` with every bit past `length` cleared.
    public static func mask(_ address: IPv6Address, _ length: Int) -> IPv6Address {
        let highMask: UInt64 = length >= 64 ? .max : (length == 0 ? 0 : ~(UInt64.max >> UInt64(length)))
        let lowMask: UInt64 = length <= 64 ? 0 : (length >= 128 ? .max : ~(UInt64.max >> UInt64(length - 64)))
        return IPv6Address(high: address.high & highMask, low: address.low & lowMask)
    }

    /// True when `candidate` lies inside the prefix.
    public func contains(_ candidate: IPv6Address) -> Bool {
        Self.mask(candidate, length) == address
    }

    public var description: String { "\(address)/\(length)" }
}
