import LeaseLog
import PortLeaseWire

/// One lease as one line of JSON, for scripts (`portlease leases --json`).
///
/// ```
/// {"address":"100.64.0.1","full":false,"psid":41,"psid-length":6,"psid-offset":6,
///  "client":"id:ff:...","subscriber":"2001:db8::1",
///  "relay":{"link-address":"2001:db8::1","interface-id":"ge-0/0/1","interface-id-hex":"67:65:...",
///           "remote-id-hex":"00:00:0d:e9:...","subscriber-id":"cust-1","subscriber-id-hex":"63:75:..."},
///  "since":"2026-03-03T14:02:00.000Z","since-ms":1772546520000,
///  "until":"2026-03-03T15:02:00.000Z","until-ms":1772550120000}
/// ```
///
/// Relay options are bytes, not text: each present one is given in hex (`-hex`, always)
/// and, when its bytes are valid UTF-8, also as a string, escaped per RFC 8259. Times are
/// UTC with milliseconds, and as milliseconds since the Unix epoch.
enum LeaseJSON {
    static func writeLease(_ record: LeaseRecord, to out: inout OutputBuffer) {
        out.append("{\"address\":\"")
        out.append(record.address)
        out.append(record.psidLength == 0 ? "\",\"full\":true" : "\",\"full\":false")
        out.append(",\"psid\":")
        out.appendDecimal(UInt64(record.psid))
        out.append(",\"psid-length\":")
        out.appendDecimal(UInt64(record.psidLength))
        out.append(",\"psid-offset\":")
        out.appendDecimal(UInt64(record.psidOffset))
        out.append(",\"client\":\"")
        Formats.writeClientKey(record.clientKey, to: &out)
        out.append("\",\"subscriber\":\"")
        out.append(record.subscriber)
        out.append("\",\"relay\":{")
        var first = true
        if let link = record.relay.linkAddress {
            out.append("\"link-address\":\"")
            out.append(link)
            out.append(UInt8(ascii: "\""))
            first = false
        }
        if let id = record.relay.interfaceIDBytes {
            id.withUnsafeBytes { writeOption("interface-id", $0, first: &first, to: &out) }
        }
        if let id = record.relay.remoteIDBytes {
            id.withUnsafeBytes { writeOption("remote-id", $0, first: &first, to: &out) }
        }
        if let id = record.relay.subscriberIDBytes {
            id.withUnsafeBytes { writeOption("subscriber-id", $0, first: &first, to: &out) }
        }
        out.append("},\"since\":\"")
        IsoTime.write(record.time, withMilliseconds: true, to: &out)
        out.append("\",\"since-ms\":")
        out.appendDecimal(record.time)
        out.append(",\"until\":\"")
        IsoTime.write(record.until, withMilliseconds: true, to: &out)
        out.append("\",\"until-ms\":")
        out.appendDecimal(record.until)
        out.append("}\n")
    }

    /// `"name":"text","name-hex":"..."` (the text only when the bytes are UTF-8).
    private static func writeOption(
        _ name: StaticString, _ bytes: UnsafeRawBufferPointer, first: inout Bool, to out: inout OutputBuffer
    ) {
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
        if isUTF8(bytes) {
            out.append(UInt8(ascii: "\""))
            out.append(name)
            out.append("\":")
            writeString(bytes, to: &out)
            out.append(UInt8(ascii: ","))
        }
        out.append(UInt8(ascii: "\""))
        out.append(name)
        out.append("-hex\":\"")
        out.appendHex(bytes)
        out.append(UInt8(ascii: "\""))
    }

    /// Whether `bytes` are valid UTF-8 (ASCII, the usual case, without building a String).
    static func isUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if bytes.allSatisfy({ $0 < 0x80 }) { return true }
        return String(validating: bytes, as: UTF8.self) != nil
    }

    /// A JSON string of UTF-8 `bytes`: quote, backslash and control characters escaped
    /// (RFC 8259 section 7); everything else, multi-byte characters included, as is.
    static func writeString(_ bytes: UnsafeRawBufferPointer, to out: inout OutputBuffer) {
        out.append(UInt8(ascii: "\""))
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): out.append("\\\"")
            case UInt8(ascii: "\\"): out.append("\\\\")
            case 0x0A: out.append("\\n")
            case 0x0D: out.append("\\r")
            case 0x09: out.append("\\t")
            case 0x00..<0x20:
                out.append("\\u00")
                withUnsafeBytes(of: byte) { out.appendHex($0, separator: nil) }
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
