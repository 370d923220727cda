import PortLeaseWire

/// Kea's escaping of text fields in its CSV lease files (`hostname`, `user_context`).
///
/// Kea's memfile is not RFC 4180 CSV: it has no quoting. Its `CSVRow::escapeCharacters`
/// writes each comma (the separator), each `&`, and each byte outside 0x20...0x7E as
/// `&#x` and two hex digits (`a,b` is written `a&#x2cb`), and `unescapeCharacters` turns
/// them back, leaving an `&#x` not followed by two hex digits as it is. So splitting a
/// line at every comma is exact, and double quotes are ordinary characters.
public enum KeaEscaping {
    /// `text` with every `&#xHH` turned back into its byte; other text unchanged.
    package static func unescape(_ text: Substring) -> String {
        let utf8 = text.utf8
        guard utf8.contains(UInt8(ascii: "&")) else { return String(text) }
        let bytes = Array(utf8)
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if index + 5 <= bytes.count, bytes[index] == UInt8(ascii: "&"), bytes[index + 1] == UInt8(ascii: "#"),
                bytes[index + 2] == UInt8(ascii: "x"), let high = HexBytes.digit(bytes[index + 3]),
                let low = HexBytes.digit(bytes[index + 4])
            {
                result.append(high << 4 | low)
                index += 5
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}
