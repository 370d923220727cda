import LeaseLog
import PortLeaseWire
import Testing

@testable import PortLeaseHistory

/// `SyslogMessage`: the RFC 5424 text of one holding event, byte for byte.
@Suite struct SyslogMessageTests {
    /// 2025-03-04T05:06:07.089Z.
    static let start: Int64 = 1_741_064_767_089

    static let origin = SyslogMessage.Origin(
        facility: 16, hostname: "dhcp-1.example.net", processID: 4242, instance: "edge-1")

    static func holding(
        relay: RelayIdentity = RelayIdentity(
            linkAddress: IPv6Address(high: 0x2001_0DB8_FFFF_0000, low: 1), interfaceID: [0x65, 0x74, 0x68, 0x30],
            remoteID: [0, 0, 0x0D, 0xE9, 0x5D, 0x22], subscriberID: Array("cust-1".utf8)),
        psid: UInt16 = 5, psidLength: UInt8 = 4, psidOffset: UInt8 = 6, ended: HoldingEnd = .held
    ) -> TraceHolding {
        TraceHolding(
            clientKey: ClientKey(kind: .clientIdentifier, bytes: [0x01, 0x02, 0x00, 0x5E, 0x10, 0x20, 0x30]),
            subscriber: IPv6Address(high: 0x2001_0DB8_0001_0000, low: 0x10), relay: relay,
            address: IPv4Address(198, 51, 100, 7), psid: psid, psidLength: psidLength, psidOffset: psidOffset,
            start: start, end: start + 3_600_000 + 1, ended: ended)
    }

    @Test func anOpenedHoldingIsOneRFC5424LineWithEveryParameter() {
        let message = SyslogMessage(
            HoldingEvent(kind: .opened, holding: Self.holding(), sequence: 9), origin: Self.origin)
        let ports = (1...63).map { "\($0 << 10 | 5 << 6)-\($0 << 10 | 5 << 6 + 63)" }.joined(separator: " ")
        #expect(
            message.text
                == "<134>1 2025-03-04T05:06:07.089Z dhcp-1.example.net portlease 4242 HOLDING-START "
                + "[holding@32473 instance=\"edge-1\" client=\"id:01:02:00:5e:10:20:30\" address=\"198.51.100.7\" "
                + "psid-offset=\"6\" psid-length=\"4\" psid=\"5\" ports=\"\(ports)\" subscriber=\"2001:db8:1::10\" "
                + "link-address=\"2001:db8:ffff::1\" interface-id=\"65746830\" remote-id=\"00000de95d22\" "
                + "subscriber-id=\"637573742d31\" start=\"2025-03-04T05:06:07.089Z\"] "
                + "198.51.100.7 PSID 5/4 offset 6 now held by id:01:02:00:5e:10:20:30 at 2001:db8:1::10")
        #expect(ports.hasPrefix("1344-1407 2368-2431 ") && ports.hasSuffix(" 64832-64895"))
    }

    @Test func anEndedHoldingIsStampedWithItsEndAndSaysWhy() {
        let holding = Self.holding(relay: .none, ended: .reassignment)
        let text = SyslogMessage(HoldingEvent(kind: .ended, holding: holding, sequence: 10), origin: Self.origin).text
        #expect(
            text.hasPrefix(
                "<134>1 2025-03-04T06:06:07.090Z dhcp-1.example.net portlease 4242 HOLDING-END [holding@32473 "))
        #expect(
            text.hasSuffix(
                " subscriber=\"2001:db8:1::10\" start=\"2025-03-04T05:06:07.089Z\" end=\"2025-03-04T06:06:07.090Z\" "
                    + "reason=\"reassignment\"] 198.51.100.7 PSID 5/4 offset 6 no longer held by "
                    + "id:01:02:00:5e:10:20:30 (reassignment)"))
        // No relay: its three parameters are left out, not sent empty.
        #expect(!text.contains("link-address") && !text.contains("interface-id") && !text.contains("remote-id"))
    }

    @Test func priorityIsFacilityTimesEightPlusInformational() {
        for (facility, prefix) in [(0, "<6>1 "), (1, "<14>1 "), (16, "<134>1 "), (23, "<190>1 ")] {
            var origin = Self.origin
            origin.facility = facility
            let message = SyslogMessage(
                HoldingEvent(kind: .opened, holding: Self.holding(), sequence: 1), origin: origin)
            #expect(message.priority == facility * 8 + 6)
            #expect(message.text.hasPrefix(prefix))
        }
    }

    @Test func parameterValuesEscapeQuoteBackslashAndClosingBracket() {
        #expect(SyslogMessage.escaped("plain-value 1.2") == "plain-value 1.2")
        #expect(SyslogMessage.escaped(#"a"b\c]d[e"#) == #"a\"b\\c\]d[e"#)
        #expect(SyslogMessage.escaped(#"\\"#) == #"\\\\"#)
        var origin = Self.origin
        origin.instance = #"x"]\"#
        let text = SyslogMessage(HoldingEvent(kind: .opened, holding: Self.holding(), sequence: 1), origin: origin).text
        #expect(text.contains(#" instance="x\"\]\\" "#))
    }

    @Test func portsAreEveryRunOfTheSetOrTheWholeAddress() {
        func ports(psid: UInt16, length: UInt8, offset: UInt8) -> String? {
            let holding = Self.holding(psid: psid, psidLength: length, psidOffset: offset)
            let text = SyslogMessage(HoldingEvent(kind: .opened, holding: holding, sequence: 1), origin: Self.origin)
                .text
            guard let start = text.range(of: " ports=\"") else { return nil }
            return String(text[start.upperBound...].prefix { $0 != "\"" })
        }
        #expect(ports(psid: 3, length: 8, offset: 0) == "768-1023")
        #expect(ports(psid: 0, length: 0, offset: 0) == "0-65535")
        #expect(ports(psid: 1, length: 2, offset: 2) == "20480-24575 36864-40959 53248-57343")
        #expect(ports(psid: 5, length: 4, offset: 6)?.split(separator: " ").count == 63)
    }

    @Test func headerFieldsArePrintableASCIIWithoutSpaces() {
        #expect(SyslogMessage.headerField("dhcp-1.example.net") == "dhcp-1.example.net")
        #expect(SyslogMessage.headerField("two words\tand\u{e9}") == "two_words_and__")
        #expect(SyslogMessage.headerField("") == "-")
        #expect(SyslogMessage.headerField(String(repeating: "h", count: 300)).utf8.count == 255)
        var origin = Self.origin
        origin.hostname = ""
        let text = SyslogMessage(HoldingEvent(kind: .opened, holding: Self.holding(), sequence: 1), origin: origin).text
        #expect(text.hasPrefix("<134>1 2025-03-04T05:06:07.089Z - portlease 4242 HOLDING-START "))
    }

    /// The largest inputs the log and the configuration allow at once: the message stays within
    /// 2048 bytes, cut where the doc says, and the client is whole.
    @Test func theLargestInputsStayWithin2048BytesAndKeepTheClient() {
        let key = ClientKey(kind: .hardwareAddress, bytes: (0..<255).map { UInt8($0) })
        let relay = RelayIdentity(
            linkAddress: IPv6Address(high: 0x2001_0DB8_FFFF_FFFF, low: 0xFFFF_FFFF_FFFF_FFFF),
            interfaceID: [UInt8](repeating: 0xAB, count: 255), remoteID: [UInt8](repeating: 0xCD, count: 255),
            subscriberID: [UInt8](repeating: 0xEF, count: 255))
        var holding = Self.holding(relay: relay, psid: 1, psidLength: 1, psidOffset: 15, ended: .expiry)
        holding.clientKey = key
        var origin = Self.origin
        origin.hostname = String(repeating: "h", count: 255)
        origin.instance = String(repeating: "i", count: 63)
        for kind in [HoldingEvent.Kind.opened, .ended] {
            let text = SyslogMessage(HoldingEvent(kind: kind, holding: holding, sequence: 1), origin: origin).text
            #expect(text.utf8.count <= 2048)
            #expect(text.contains(" client=\"\(key)\" "))
            #expect(text.contains(" interface-id=\"\(String(repeating: "ab", count: 32))...\" "))
            #expect(text.contains(" remote-id=\"\(String(repeating: "cd", count: 32))...\" "))
            #expect(text.contains(" subscriber-id=\"\(String(repeating: "ef", count: 32))...\" "))
            #expect(text.contains(" ports=\"3-3 5-5 7-7 "))
            #expect(text.contains(" ...\" subscriber="))
            #expect(text.contains(" psid-offset=\"15\" psid-length=\"1\" psid=\"1\" "))
        }
        // A usual message is not cut.
        let usual = SyslogMessage(
            HoldingEvent(kind: .ended, holding: Self.holding(ended: .release), sequence: 1), origin: Self.origin)
        #expect(!usual.text.contains("..."))
        #expect(usual.text.utf8.count < 1300)
    }
}
