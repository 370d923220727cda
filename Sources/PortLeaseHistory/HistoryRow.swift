import PortLeaseSystem
import PortSetPool

/// One holding as the history database keeps it: what trace and export print.
public struct HistoryRow: Sendable, Hashable {
    public var instance: String
    public var shard: Int
    /// `"id"` (a client identifier, option 61) or `"hw"` (htype and chaddr).
    public var clientKind: String
    /// The client key's bytes in lower-case hex.
    public var clientID: String
    public var address: String
    public var psidOffset: Int
    public var psidLength: Int
    public var psid: Int
    public var subscriber: String
    public var relayLinkAddress: String?
    /// Interface-ID, Remote-ID and Subscriber-ID option contents, in lower-case hex.
    public var interfaceID: String?
    public var remoteID: String?
    public var subscriberID: String?
    /// Milliseconds since the epoch, UTC.
    public var start: Int64
    /// Nil while the holding lasts.
    public var end: Int64?
    /// `release`, `expiry`, `decline`, `reassignment` or `forced-release`; nil while held.
    public var endReason: String?

    /// The port set written out (`"1024-1039"`, ...; `"0-65535"` for a whole address).
    public var portRanges: [String] {
        PortSet.rangeTexts(offset: psidOffset, length: psidLength, psid: psid)
    }

    /// The CSV columns, in order (documented in `Docs/History.md`).
    public static let columns = [
        "instance", "shard", "client_kind", "client_id", "address", "psid_offset", "psid_length", "psid", "ports",
        "subscriber", "relay_link_address", "interface_id", "remote_id", "subscriber_id",
        "start", "end", "end_reason",
    ]

    /// The row as CSV fields, in ``columns`` order: times in UTC with milliseconds, the port
    /// ranges separated by spaces, absent values empty.
    public var csvFields: [String] {
        [
            instance, String(shard), clientKind, clientID, address, String(psidOffset), String(psidLength),
            String(psid),
            portRanges.joined(separator: " "), subscriber, relayLinkAddress ?? "", interfaceID ?? "", remoteID ?? "",
            subscriberID ?? "",
            CivilTime(milliseconds: start).iso8601Milliseconds,
            end.map { CivilTime(milliseconds: $0).iso8601Milliseconds } ?? "",
            endReason ?? "",
        ]
    }

    /// One CSV line (RFC 4180: a field with a comma, quote or line break is quoted).
    public var csvLine: String {
        csvFields.map(Self.csvQuoted).joined(separator: ",")
    }

    /// One JSON object on one line: the same keys as the CSV columns, `ports` an array,
    /// absent values `null`, numbers as numbers.
    public var jsonLine: String {
        func string(_ value: String?) -> String { value.map(Self.jsonQuoted) ?? "null" }
        let fields: [(String, String)] = [
            ("instance", string(instance)), ("shard", String(shard)), ("client_kind", string(clientKind)),
            ("client_id", string(clientID)), ("address", string(address)), ("psid_offset", String(psidOffset)),
            ("psid_length", String(psidLength)), ("psid", String(psid)),
            ("ports", "[" + portRanges.map(Self.jsonQuoted).joined(separator: ",") + "]"),
            ("subscriber", string(subscriber)), ("relay_link_address", string(relayLinkAddress)),
            ("interface_id", string(interfaceID)), ("remote_id", string(remoteID)),
            ("subscriber_id", string(subscriberID)),
            ("start", string(CivilTime(milliseconds: start).iso8601Milliseconds)),
            ("end", string(end.map { CivilTime(milliseconds: $0).iso8601Milliseconds })),
            ("end_reason", string(endReason)),
        ]
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    static func csvQuoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }

    static func jsonQuoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
