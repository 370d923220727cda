import Foundation
import LeaseLog
import PortLeaseControl
import PortLeaseWire

/// Text forms the tools print and parse.
///
/// Each form is written once, into an ``OutputBuffer``: `portlease leases` appends
/// millions of lines to one buffer, and the String forms (`portlease trace`) are the
/// same writers into an in-memory buffer, so both print the same text.
enum Formats {
    /// `milliseconds` as ISO 8601 UTC text (`2026-03-03T14:02:00Z`), without a formatter object.
    static func time(_ milliseconds: Int64) -> String {
        IsoTime.string(milliseconds)
    }

    /// An ISO 8601 time (`2026-03-03T14:02:00Z`) or Unix seconds, as milliseconds.
    /// (Parsed once per command, so Foundation's parser is fine here.)
    static func parseTime(_ text: String) -> Int64? {
        TimeText.milliseconds(text)
    }

    static func portSet(psid: UInt16, length: UInt8, offset: UInt8) -> String {
        var out = OutputBuffer()
        writePortSet(psid: psid, length: length, offset: offset, to: &out)
        return out.string
    }

    /// Text when the bytes are printable ASCII, else hex.
    static func printable(_ bytes: [UInt8]) -> String {
        var out = OutputBuffer()
        bytes.withUnsafeBytes { writePrintable($0, to: &out) }
        return out.string
    }

    /// `full address`, or `psid 41/6 (offset 6)`.
    static func writePortSet(psid: UInt16, length: UInt8, offset: UInt8, to out: inout OutputBuffer) {
        if length == 0 {
            out.append("full address")
            return
        }
        out.append("psid ")
        out.appendDecimal(UInt64(psid))
        out.append(UInt8(ascii: "/"))
        out.appendDecimal(UInt64(length))
        out.append(" (offset ")
        out.appendDecimal(UInt64(offset))
        out.append(UInt8(ascii: ")"))
    }

    /// `link 2001:db8::1, interface-id "ge-0/0/1", remote-id 00:00:0d:e9:..., subscriber-id "cust-1"`, or `direct`.
    static func writeRelay(_ relay: RelayIdentity, to out: inout OutputBuffer) {
        var first = true
        func separate(_ out: inout OutputBuffer) {
            if !first { out.append(", ") }
            first = false
        }
        if let link = relay.linkAddress {
            separate(&out)
            out.append("link ")
            out.append(link)
        }
        if let id = relay.interfaceIDBytes {
            separate(&out)
            out.append("interface-id ")
            id.withUnsafeBytes { writePrintable($0, to: &out) }
        }
        if let id = relay.remoteIDBytes {
            separate(&out)
            out.append("remote-id ")
            id.withUnsafeBytes { writePrintable($0, to: &out) }
        }
        if let id = relay.subscriberIDBytes {
            separate(&out)
            out.append("subscriber-id ")
            id.withUnsafeBytes { writePrintable($0, to: &out) }
        }
        if first { out.append("direct") }
    }

    /// Where a lease's client is: `subscriber 2001:db8::1  direct`, or for a subscriber address
    /// of `::` and no relay (a lease imported from Kea, which never knew them; no 4o6 client
    /// sends from `::`) `subscriber unknown  relay unknown`.
    static func writeOrigin(subscriber: IPv6Address, relay: RelayIdentity, to out: inout OutputBuffer) {
        out.append("subscriber ")
        if subscriber == .unspecified && relay == .none {
            out.append("unknown  relay unknown")
            return
        }
        out.append(subscriber)
        out.append("  ")
        writeRelay(relay, to: &out)
    }

    static func origin(subscriber: IPv6Address, relay: RelayIdentity) -> String {
        var out = OutputBuffer()
        writeOrigin(subscriber: subscriber, relay: relay, to: &out)
        return out.string
    }

    /// `"text"` when the bytes are printable ASCII, else hex.
    static func writePrintable(_ bytes: UnsafeRawBufferPointer, to out: inout OutputBuffer) {
        if !bytes.isEmpty, bytes.allSatisfy({ (0x20...0x7E).contains($0) }) {
            out.append(UInt8(ascii: "\""))
            out.append(bytes)
            out.append(UInt8(ascii: "\""))
        } else {
            out.appendHex(bytes)
        }
    }

    /// A client key as `ClientKey.description` prints it: `id:` or `hw:`, then hex.
    static func writeClientKey(_ key: ClientKey, to out: inout OutputBuffer) {
        out.append(key.kind == .clientIdentifier ? "id:" : "hw:")
        key.withUnsafeBytes { out.appendHex($0) }
    }

    /// One lease as `portlease leases` lists it:
    /// `address  port set  client  subscriber S  relay  since T  until T` (see ``writeOrigin``).
    static func writeLease(_ record: LeaseRecord, to out: inout OutputBuffer) {
        out.append(record.address)
        out.append("  ")
        writePortSet(psid: record.psid, length: record.psidLength, offset: record.psidOffset, to: &out)
        out.append("  ")
        writeClientKey(record.clientKey, to: &out)
        out.append("  ")
        writeOrigin(subscriber: record.subscriber, relay: record.relay, to: &out)
        out.append("  since ")
        IsoTime.write(record.time, to: &out)
        out.append("  until ")
        IsoTime.write(record.until, to: &out)
        out.append(UInt8(ascii: "\n"))
    }
}

extension LeaseRecord {
    /// When a bind or renew runs out: `time` plus the lifetime.
    var until: Int64 { time + Int64(lifetime) * 1000 }
}
