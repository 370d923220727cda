import LeaseLog
import PortLeaseSystem
import PortLeaseWire
import PortSetPool

/// One holding event as an RFC 5424 syslog message: what a SIEM ingests to answer "who used
/// this address and port then?" without querying the server (`Docs/Syslog.md`).
///
/// `<PRI>1 TIMESTAMP HOSTNAME portlease PROCID MSGID [holding@32473 ...] MSG`. The facts are
/// in the structured data, one parameter each, so a collector parses them instead of scraping
/// the human line. The timestamp is the event's own time (the holding's start, or its end),
/// not the time of sending, so a message that waited in a queue still says when it happened.
///
/// A message stays within ``maximumLength`` bytes (the size RFC 5424 section 6.1 and RFC 5426
/// say every receiver should accept). Most messages are far shorter; only extreme inputs (a
/// 255-byte client key, Interface-ID and Remote-ID at once, or a PSID offset above 6, whose
/// port set is hundreds of runs) need cutting, and then ``text`` gives up, in this order, the
/// client in the human line, the tail of the port list (`...`: the set follows from
/// `psid-offset`, `psid-length` and `psid`) and the tails of the relay's IDs beyond 32 bytes.
/// The client, the address, the PSID and the times are never cut.
package struct SyslogMessage: Sendable {
    /// What every message of one server carries besides the event.
    package struct Origin: Sendable, Equatable {
        /// The facility, 0 ... 23 (16: local0).
        package var facility: Int
        /// RFC 5424 HOSTNAME: printable ASCII without spaces, at most 255 bytes.
        package var hostname: String
        /// RFC 5424 PROCID: the server's process id.
        package var processID: Int
        /// The server's `history.instance`: which server of several sent it.
        package var instance: String

        package init(facility: Int, hostname: String, processID: Int, instance: String) {
            self.facility = facility
            self.hostname = hostname
            self.processID = processID
            self.instance = instance
        }
    }

    /// RFC 5424 APP-NAME.
    package static let applicationName = "portlease"
    /// The SD-ID: a private name under the documentation enterprise number (RFC 5612), so it
    /// cannot clash with an IANA-registered SD-ID or another vendor's.
    package static let structuredDataID = "holding@32473"
    /// The most bytes a message takes (transport framing not counted).
    package static let maximumLength = 2048
    /// RFC 5424 severity: informational. A holding starting or ending is routine.
    package static let severity = 6
    /// How many bytes of an Interface-ID or Remote-ID are kept when a message must be cut.
    static let shortIDBytes = 32

    package var origin: Origin
    package var event: HoldingEvent

    package init(_ event: HoldingEvent, origin: Origin) {
        self.event = event
        self.origin = origin
    }

    /// PRIVAL: facility × 8 + severity.
    package var priority: Int { origin.facility * 8 + Self.severity }

    /// MSGID: which of the two events.
    package var messageID: String { event.kind == .opened ? "HOLDING-START" : "HOLDING-END" }

    /// When the event happened (ms since the epoch): the holding's start, or its end.
    package var time: Int64 { event.kind == .opened ? event.holding.start : event.holding.end }

    /// The whole message, at most ``maximumLength`` bytes of ASCII.
    package var text: String {
        let header =
            "<\(priority)>1 \(CivilTime(milliseconds: time).iso8601Milliseconds) \(Self.headerField(origin.hostname)) "
            + "\(Self.applicationName) \(origin.processID) \(messageID) "
        let ranges = PortSet.rangeTexts(
            offset: Int(event.holding.psidOffset), length: Int(event.holding.psidLength), psid: Int(event.holding.psid))
        var last = ""
        for (clientInLine, shortIDs) in [(true, false), (false, false), (false, true)] {
            let (before, after) = parameterText(shortIDs: shortIDs)
            let line = humanLine(withClient: clientInLine)
            // Everything but the port list; the list gets what is left.
            let fixed = header.utf8.count + before.utf8.count + after.utf8.count + 1 + line.utf8.count
            let room = Self.maximumLength - fixed - " ports=\"\"".utf8.count
            if ranges.isEmpty && fixed <= Self.maximumLength { return header + before + after + " " + line }
            if let ports = Self.portList(ranges, room: room) {
                return header + before + " ports=\"\(ports)\"" + after + " " + line
            }
            last = header + before + " ports=\"...\"" + after + " " + line
        }
        // Only a hostname, instance or client key longer than any the configuration accepts gets here.
        return last
    }

    /// The SD-ELEMENT in two parts, around where the `ports` parameter goes: `[holding@32473
    /// instance=... psid=...` and ` subscriber=... ]`.
    private func parameterText(shortIDs: Bool) -> (String, String) {
        let holding = event.holding
        func id(_ bytes: [UInt8]?) -> String? {
            guard let bytes else { return nil }
            if shortIDs && bytes.count > Self.shortIDBytes {
                return HexBytes.text(bytes.prefix(Self.shortIDBytes), separator: "") + "..."
            }
            return HexBytes.text(bytes, separator: "")
        }
        let before: [(String, String?)] = [
            ("instance", origin.instance), ("client", holding.clientKey.description),
            ("address", holding.address.description), ("psid-offset", String(holding.psidOffset)),
            ("psid-length", String(holding.psidLength)), ("psid", String(holding.psid)),
        ]
        let after: [(String, String?)] = [
            ("subscriber", holding.subscriber.description),
            ("link-address", holding.relay.linkAddress?.description),
            ("interface-id", id(holding.relay.interfaceID)), ("remote-id", id(holding.relay.remoteID)),
            ("subscriber-id", id(holding.relay.subscriberID)),
            ("start", CivilTime(milliseconds: holding.start).iso8601Milliseconds),
            ("end", event.kind == .ended ? CivilTime(milliseconds: holding.end).iso8601Milliseconds : nil),
            ("reason", event.kind == .ended ? holding.ended.description : nil),
        ]
        func rendered(_ parameters: [(String, String?)]) -> String {
            parameters.compactMap { name, value in value.map { " \(name)=\"\(Self.escaped($0))\"" } }.joined()
        }
        return ("[" + Self.structuredDataID + rendered(before), rendered(after) + "]")
    }

    /// MSG: one line for a person reading the collector's file.
    private func humanLine(withClient: Bool) -> String {
        let holding = event.holding
        let portSet =
            holding.psidLength == 0
            ? "\(holding.address) (all ports)"
            : "\(holding.address) PSID \(holding.psid)/\(holding.psidLength) offset \(holding.psidOffset)"
        let client = withClient ? " by \(holding.clientKey)" : ""
        switch event.kind {
        case .opened: return "\(portSet) now held\(client) at \(holding.subscriber)"
        case .ended: return "\(portSet) no longer held\(client) (\(holding.ended))"
        }
    }

    /// The ranges joined by spaces if they fit in `room` bytes; as many as fit followed by
    /// `...` if at least one does; nil when not even that fits.
    static func portList(_ ranges: [String], room: Int) -> String? {
        let all = ranges.joined(separator: " ")
        if all.utf8.count <= room { return all }
        var kept: [String] = []
        var length = 0
        for range in ranges {
            let added = (kept.isEmpty ? 0 : 1) + range.utf8.count
            if length + added + " ...".utf8.count > room { break }
            kept.append(range)
            length += added
        }
        return kept.isEmpty ? nil : kept.joined(separator: " ") + " ..."
    }

    /// A PARAM-VALUE with `"`, `\` and `]` escaped by a backslash (RFC 5424 section 6.3.3).
    package static func escaped(_ value: String) -> String {
        guard
            value.utf8.contains(where: {
                $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "]")
            })
        else { return value }
        var out = ""
        out.reserveCapacity(value.utf8.count + 4)
        for character in value {
            if character == "\"" || character == "\\" || character == "]" { out.append("\\") }
            out.append(character)
        }
        return out
    }

    /// A header field (RFC 5424 PRINTUSASCII, no spaces, at most 255 bytes), its other bytes
    /// replaced by `_`; `-` (NILVALUE) when empty.
    package static func headerField(_ text: String) -> String {
        let bytes = text.utf8.prefix(255).map { (33...126).contains($0) ? $0 : UInt8(ascii: "_") }
        return bytes.isEmpty ? "-" : String(decoding: bytes, as: UTF8.self)
    }
}
