/// Bytes as hex text, both ways: how configuration files write a server DUID, an
/// Interface-ID or a raw option value, and how logs and the CLI print client keys,
/// hardware addresses and relay identities. One place, so every tool reads what
/// another printed.
public enum HexBytes {
    /// The value of one hex digit (either case); nil for any other byte.
    public static func digit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Parses plain hex (`"000300010200"`) or two-digit pairs joined by colons
    /// (`"00:03:00:01:02:00"`, the form `ip link` and Kea print). Nil for anything
    /// else, including the empty string and an odd number of digits.
    public static func parse(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        let separated = utf8.contains(UInt8(ascii: ":"))
        let stride = separated ? 3 : 2
        guard !utf8.isEmpty, separated ? (utf8.count + 1) % 3 == 0 : utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity((utf8.count + 1) / stride)
        var index = 0
        while index < utf8.count {
            guard let high = digit(utf8[index]), let low = digit(utf8[index + 1]) else { return nil }
            if separated && index + 2 < utf8.count && utf8[index + 2] != UInt8(ascii: ":") { return nil }
            bytes.append(high << 4 | low)
            index += stride
        }
        return bytes
    }

    /// Two lowercase digits per byte joined by `separator`: `"02:00:5e:10:20:30"`.
    public static func text(_ bytes: some Sequence<UInt8>, separator: String = ":") -> String {
        bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: separator)
    }
}
