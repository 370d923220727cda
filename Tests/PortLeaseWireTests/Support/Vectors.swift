import PortLeaseWire

/// Hand-built messages, byte by byte from the RFC layouts (RFC 2131 section 2,
/// RFC 8415 sections 8 and 9, RFC 7341 sections 5 and 6, RFC 7618 section 4).
/// Lengths are written with `be16` so each field stays readable.
enum Vectors {
    static let clientMAC = hex("02 00 5e 10 20 30")
    static let xid = hex("12 34 56 78")

    /// The 236-byte BOOTP header of a client's message (op 1, Ethernet, hlen 6).
    static func clientHeader(ciaddr: String = "00 00 00 00") -> [UInt8] {
        hex("01 01 06 00") + xid + hex("00 00 00 00") + hex(ciaddr) + hex("00 00 00 00 00 00 00 00 00 00 00 00")
            + clientMAC + zeros(10) + zeros(64) + zeros(128)
    }

    static let cookie = hex("63 82 53 63")

    /// DHCPDISCOVER with a client identifier (type 1 + MAC), a parameter request
    /// list asking for 1, 3, 6 and 159, and option 159 hinting PSID length 6.
    static let discover: [UInt8] =
        clientHeader() + cookie
        + hex("35 01 01")  // 53: DHCPDISCOVER
        + hex("3d 07 01") + clientMAC  // 61: type 1, MAC
        + hex("37 04 01 03 06 9f")  // 55: 1, 3, 6, 159
        + hex("9f 04 06 06 00 00")  // 159: offset 6, PSID-len 6, PSID 0 (a length hint)
        + hex("ff")

    /// DHCPV4-QUERY (20), flags 0 (broadcast), option 87 holding `discover`.
    static let query: [UInt8] = hex("14 00 00 00") + hex("00 57") + be16(discover.count) + discover

    static let outerLink = IPv6Address("2001:db8:ffff::1")!
    static let outerPeer = IPv6Address("2001:db8:ff00::2")!
    static let innerLink = IPv6Address("2001:db8:100::1")!
    static let clientAddress = IPv6Address("2001:db8:100:5::10")!

    /// The relay closest to the client: hop-count 0, Interface-ID "ge-0/0/1",
    /// Remote-ID (enterprise 3561, "cpe-42"), Subscriber-ID "sub-7", Relay Source Port 546.
    static let innerRelay: [UInt8] =
        hex("0c 00") + innerLink.bytes + clientAddress.bytes
        + hex("00 12") + be16(8) + ascii("ge-0/0/1")
        + hex("00 25") + be16(10) + hex("00 00 0d e9") + ascii("cpe-42")
        + hex("00 26") + be16(5) + ascii("sub-7")
        + hex("00 87") + be16(2) + hex("02 22")
        + hex("00 09") + be16(query.count) + query

    /// The second relay: hop-count 1, Interface-ID "ae1", the first relay in option 9.
    static let twoLevelRelay: [UInt8] =
        hex("0c 01") + outerLink.bytes + outerPeer.bytes
        + hex("00 12") + be16(3) + ascii("ae1")
        + hex("00 09") + be16(innerRelay.count) + innerRelay

    static let serverIdentifier = IPv4Address("192.0.2.1")!
    static let offeredAddress = IPv4Address("198.51.100.7")!

    /// DHCPOFFER answering `discover`: 198.51.100.7 with PSID 0x29 of length 6
    /// at offset 6 (PSID field A4 00), lease 3600 s, T1 1800, T2 3150, and pool options.
    static let offer: [UInt8] =
        hex("02 01 06 00") + xid + hex("00 00 00 00") + hex("00 00 00 00") + hex("c6 33 64 07")
        + hex("00 00 00 00 00 00 00 00") + clientMAC + zeros(10) + zeros(64) + zeros(128) + cookie
        + hex("35 01 02")  // 53: DHCPOFFER
        + hex("36 04 c0 00 02 01")  // 54: 192.0.2.1
        + hex("33 04 00 00 0e 10")  // 51: 3600
        + hex("3a 04 00 00 07 08")  // 58: 1800
        + hex("3b 04 00 00 0c 4e")  // 59: 3150
        + hex("01 04 ff ff ff 00")  // 1: /24
        + hex("03 04 c6 33 64 01")  // 3: 198.51.100.1
        + hex("06 08 c0 00 02 35 c0 00 02 36")  // 6: 192.0.2.53, 192.0.2.54
        + hex("0f 0b") + ascii("example.net")  // 15
        + hex("1a 02 05 dc")  // 26: 1500
        + hex("9f 04 06 06 a4 00")  // 159: offset 6, PSID-len 6, PSID 0x29
        + hex("ff")

    /// DHCPV4-RESPONSE (21), flags zero, option 87 holding `offer`.
    static let response: [UInt8] = hex("15 00 00 00") + hex("00 57") + be16(offer.count) + offer

    /// The Relay-reply chain answering `twoLevelRelay`: Interface-IDs echoed.
    static let twoLevelReply: [UInt8] = {
        let inner =
            hex("0d 00") + innerLink.bytes + clientAddress.bytes
            + hex("00 12") + be16(8) + ascii("ge-0/0/1")
            + hex("00 09") + be16(response.count) + response
        return hex("0d 01") + outerLink.bytes + outerPeer.bytes
            + hex("00 12") + be16(3) + ascii("ae1")
            + hex("00 09") + be16(inner.count) + inner
    }()

    static let clientDUID = hex("00 03 00 01") + clientMAC  // DUID-LL, Ethernet
    static let serverDUID = hex("00 03 00 01 02 00 5e 00 00 01")

    /// Information-Request asking for option 88 twice, as dhclient does.
    static let informationRequest: [UInt8] =
        hex("0b ab cd ef")
        + hex("00 01") + be16(clientDUID.count) + clientDUID
        + hex("00 06") + be16(4) + hex("00 58 00 58")

    static let server1 = IPv6Address("2001:db8::1")!
    static let server2 = IPv6Address("2001:db8::2")!

    /// The Reply: same transaction id, client id echoed, server id, option 88 with two addresses.
    static let informationReply: [UInt8] =
        hex("07 ab cd ef")
        + hex("00 01") + be16(clientDUID.count) + clientDUID
        + hex("00 02") + be16(serverDUID.count) + serverDUID
        + hex("00 58") + be16(32) + server1.bytes + server2.bytes
}
