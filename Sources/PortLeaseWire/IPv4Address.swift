/// An IPv4 address as a 32-bit value in host byte order.
///
/// A plain value type (4 bytes, no allocation) so that the engine, the pool and
/// the lease log can key tables on it. `description` prints dotted-quad form and
/// `init?(_:)` parses it, for configuration files and logs.
public struct IPv4Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The address as a number: `192.0.2.1` is `0xC000_0201`.
    public var value: UInt32

    /// The unspecified address `0.0.0.0`, which DHCPv4 uses for "not set" in ciaddr/yiaddr.
    public static let zero = IPv4Address(0)

    @inlinable
    public init(_ value: UInt32) {
        self.value = value
    }

    /// Creates an address from its four octets, most significant first.
    @inlinable
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Parses dotted-quad text (`"198.51.100.7"`). Returns nil for anything else:
    /// fewer or more than four parts, a part above 255, leading zeros, or other characters.
    public init?(_ text: some StringProtocol) {
        var result: UInt32 = 0
        var parts = 0
        var current: UInt32 = 0
        var digits = 0
        var leadingZero = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if digits == 1 && leadingZero { return nil }
                if digits == 0 && byte == UInt8(ascii: "0") { leadingZero = true }
                current = current * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
                if digits > 3 || current > 255 { return nil }
            case UInt8(ascii: "."):
                guard digits > 0, parts < 3 else { return nil }
                result = result << 8 | current
                parts += 1
                current = 0
                digits = 0
                leadingZero = false
            default:
                return nil
            }
        }
        guard digits > 0, parts == 3 else { return nil }
        value = result << 8 | current
    }

    /// The four bytes in network order, as options 50, 54 and 3 carry them.
    public var bytes: [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    public var description: String {
        "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
    }

    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool {
        lhs.value < rhs.value
    }
}
