/// An IPv6 address as two 64-bit halves in host byte order.
///
/// 16 bytes, no allocation, hashable: relays' link and peer addresses, the
/// subscriber's source address and option 88's server list all use it.
/// `description` prints the RFC 5952 canonical text form; `init?(_:)` parses
/// RFC 4291 text (with `::` compression and an embedded dotted-quad tail).
public struct IPv6Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Bits 127...64 of the address (the first eight bytes on the wire).
    public var high: UInt64
    /// Bits 63...0 of the address (the last eight bytes on the wire).
    public var low: UInt64

    /// The unspecified address `::`.
    public static let unspecified = IPv6Address(high: 0, low: 0)
    /// All_DHCP_Relay_Agents_and_Servers, `ff02::1:2` (RFC 8415 section 7.1).
    public static let allDHCPRelayAgentsAndServers = IPv6Address(high: 0xFF02 << 48, low: 0x1_0002)

    @inlinable
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Reads 16 bytes in network order from `bytes`, which must hold at least 16 bytes from `offset`.
    init(networkBytes bytes: UnsafeRawBufferPointer, at offset: Int) {
        high = bytes.readUInt64(at: offset)
        low = bytes.readUInt64(at: offset + 8)
    }

    /// The address's 16 bytes in network order.
    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(16)
        for shift in stride(from: 56, through: 0, by: -8) {
            out.append(UInt8(truncatingIfNeeded: high >> UInt64(shift)))
        }
        for shift in stride(from: 56, through: 0, by: -8) {
            out.append(UInt8(truncatingIfNeeded: low >> UInt64(shift)))
        }
        return out
    }

    /// Creates an address from 16 bytes in network order; nil when `bytes` does not hold exactly 16.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.init(high: high, low: low)
    }

    /// The eight 16-bit groups, most significant first.
    var groups: [UInt16] {
        (0..<8).map { index in
            let word = index < 4 ? high : low
            return UInt16(truncatingIfNeeded: word >> UInt64((3 - index % 4) * 16))
        }
    }

    /// Parses RFC 4291 text: eight groups, `::` for one run of zero groups, and an
    /// optional dotted-quad IPv4 tail (`::ffff:192.0.2.1`). Nil for anything else.
    public init?(_ text: some StringProtocol) {
        let text = Substring(text)
        var groups: [UInt16]
        if let range = text.firstRange(of: "::") {
            let after = text[range.upperBound...]
            guard !after.contains("::"),
                let head = IPv6Address.parseGroups(text[..<range.lowerBound], allowIPv4Tail: false),
                let tail = IPv6Address.parseGroups(after, allowIPv4Tail: true),
                head.count + tail.count <= 7
            else { return nil }
            groups = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let all = IPv6Address.parseGroups(text, allowIPv4Tail: true), all.count == 8 else { return nil }
            groups = all
        }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, group) in groups.enumerated() {
            if index < 4 { high = high << 16 | UInt64(group) } else { low = low << 16 | UInt64(group) }
        }
        self.init(high: high, low: low)
    }

    private static func parseGroups(_ text: Substring, allowIPv4Tail: Bool) -> [UInt16]? {
        if text.isEmpty { return [] }
        var groups: [UInt16] = []
        let pieces = text.split(separator: ":", omittingEmptySubsequences: false)
        for (index, piece) in pieces.enumerated() {
            if allowIPv4Tail && index == pieces.count - 1 && piece.contains(".") {
                guard let v4 = IPv4Address(piece) else { return nil }
                groups.append(UInt16(v4.value >> 16))
                groups.append(UInt16(v4.value & 0xFFFF))
                continue
            }
            guard (1...4).contains(piece.count), let group = UInt16(piece, radix: 16) else { return nil }
            groups.append(group)
        }
        return groups
    }

    /// RFC 5952 text: lowercase hex, no leading zeros, the longest run (of two or
    /// more) of zero groups compressed to `::`, the first such run on a tie.
    public var description: String {
        let groups = self.groups
        var bestStart = -1
        var bestLength = 0
        var index = 0
        while index < 8 {
            if groups[index] == 0 {
                var end = index
                while end < 8 && groups[end] == 0 { end += 1 }
                if end - index > bestLength {
                    bestStart = index
                    bestLength = end - index
                }
                index = end
            } else {
                index += 1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        var out = ""
        index = 0
        while index < 8 {
            if index == bestStart {
                out += "::"
                index += bestLength
                continue
            }
            if !out.isEmpty && !out.hasSuffix(":") { out += ":" }
            out += String(groups[index], radix: 16)
            index += 1
        }
        return out
    }

    public static func < (lhs: IPv6Address, rhs: IPv6Address) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}
