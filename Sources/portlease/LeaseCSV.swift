import LeaseLog
import PortLeaseWire
import PortSetPool

/// One lease as one CSV line (RFC 4180), for `portlease export leases --format csv`.
///
/// ```
/// address,psid-offset,psid-length,psid,port-ranges,client,subscriber,relay,state,start,expiry
/// 198.51.100.7,6,6,41,1680-1695 2704-2719 ... 64144-64159,id:ff:00:...,2001:db8::1,direct,bound,2026-03-03T14:02:00Z,2026-03-03T15:02:00Z
/// 203.0.113.64,0,0,0,0-65535,hw:01:02:00:5e:10:20:30,::,unknown,bound,2026-03-03T14:02:00Z,2026-03-03T15:02:00Z
/// ```
///
/// Port ranges are separated by spaces (a full address: `0-65535`); the relay is written as
/// `portlease leases` prints it (`direct`, or `link ..., interface-id ..., remote-id ...`), and
/// `unknown` for a lease whose subscriber is `::` (imported from Kea). Fields holding a comma
/// or a double quote are quoted, quotes doubled. Times are RFC 3339 UTC.
enum LeaseCSV {
    static let header = "address,psid-offset,psid-length,psid,port-ranges,client,subscriber,relay,state,start,expiry\n"

    static func writeLease(_ record: LeaseRecord, to out: inout OutputBuffer) {
        out.append(record.address)
        for value in [record.psidOffset, record.psidLength] {
            out.append(UInt8(ascii: ","))
            out.appendDecimal(UInt64(value))
        }
        out.append(UInt8(ascii: ","))
        out.appendDecimal(UInt64(record.psid))
        out.append(UInt8(ascii: ","))
        writePortRanges(record, to: &out)
        out.append(UInt8(ascii: ","))
        Formats.writeClientKey(record.clientKey, to: &out)
        out.append(UInt8(ascii: ","))
        out.append(record.subscriber)
        out.append(UInt8(ascii: ","))
        if record.subscriber == .unspecified && record.relay == .none {
            out.append("unknown")
        } else {
            var relay = OutputBuffer()
            Formats.writeRelay(record.relay, to: &relay)
            writeField(relay.string, to: &out)
        }
        out.append(",bound,")
        IsoTime.write(record.time, to: &out)
        out.append(UInt8(ascii: ","))
        IsoTime.write(record.until, to: &out)
        out.append(UInt8(ascii: "\n"))
    }

    /// `1024-1039 2048-2063 ...`, or `0-65535` for a full address.
    static func writePortRanges(_ record: LeaseRecord, to out: inout OutputBuffer) {
        guard record.psidLength > 0,
            let layout = try? PSIDLayout(offset: Int(record.psidOffset), length: Int(record.psidLength)),
            let ports = try? layout.portSet(psid: Int(record.psid))
        else {
            out.append("0-65535")
            return
        }
        for (index, range) in ports.ranges.enumerated() {
            if index > 0 { out.append(UInt8(ascii: " ")) }
            out.appendDecimal(UInt64(range.lowerBound))
            out.append(UInt8(ascii: "-"))
            out.appendDecimal(UInt64(range.upperBound))
        }
    }

    /// `text` as one CSV field: quoted, with quotes doubled, when it holds a comma, a quote or a line break.
    static func writeField(_ text: String, to out: inout OutputBuffer) {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 < 0x20 }) else {
            out.append(text)
            return
        }
        out.append(UInt8(ascii: "\""))
        out.append(text.replacingOccurrences(of: "\"", with: "\"\""))
        out.append(UInt8(ascii: "\""))
    }
}
