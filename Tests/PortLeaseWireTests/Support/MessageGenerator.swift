import PortLeaseWire

/// Random valid messages for the round-trip and robustness tests.
struct MessageGenerator {
    var random: SeededGenerator

    init(seed: UInt64) {
        random = SeededGenerator(seed: seed)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
    mutating func bool() -> Bool { Bool.random(using: &random) }
    mutating func u32() -> UInt32 { UInt32(truncatingIfNeeded: random.next()) }
    mutating func ipv6() -> IPv6Address { IPv6Address(high: random.next(), low: random.next()) }

    /// A DHCPv4 message without option overload, whose typed options are well-formed.
    mutating func dhcpv4() -> DHCPv4Message {
        let hlen = UInt8(int(0...16))
        let header = DHCPv4Header(
            op: UInt8(int(1...2)), htype: UInt8(int(0...255)), hlen: hlen, hops: UInt8(int(0...255)), xid: u32(),
            secs: UInt16(int(0...65535)), flags: bool() ? DHCPv4Header.broadcastFlag : 0,
            ciaddr: IPv4Address(u32()), yiaddr: IPv4Address(u32()), siaddr: IPv4Address(u32()),
            giaddr: IPv4Address(u32()), chaddr: ClientHardwareAddress(bytes: random.bytes(16)))
        var options: [DHCPv4Message.Option] = []
        if bool() { options.append(.init(.messageType, [UInt8(int(1...8))])) }
        if bool() { options.append(.init(.clientIdentifier, random.bytes(int(2...40)))) }
        if bool() { options.append(.init(.requestedAddress, random.bytes(4))) }
        if bool() { options.append(.init(.serverIdentifier, random.bytes(4))) }
        if bool() { options.append(.init(.leaseTime, random.bytes(4))) }
        if bool() { options.append(.init(.parameterRequestList, random.bytes(int(0...20)))) }
        if bool() {
            let offset = UInt8(int(0...15))
            let length = UInt8(int(0...(16 - Int(offset))))
            let psid = length == 0 ? 0 : UInt16(truncatingIfNeeded: random.next()) >> (16 - UInt16(length))
            let params = try! PortParams(offset: offset, psidLength: length, psid: psid)
            options.append(
                .init(.portParams, [offset, length, UInt8(params.wirePSID >> 8), UInt8(params.wirePSID & 0xFF)]))
        }
        for _ in 0..<int(0...6) {
            // Codes the decoder does not interpret (and not pad, end or overload).
            let code = UInt8(int(60...250))
            guard ![61, 159].contains(code) else { continue }
            options.append(.init(DHCPv4OptionCode(rawValue: code), random.bytes(int(0...255))))
        }
        options.shuffle(using: &random)
        return DHCPv4Message(
            header: header, serverName: bool() ? random.bytes(64) : zeros(64),
            bootFileName: bool() ? random.bytes(128) : zeros(128), options: options)
    }

    /// Random DHCPv6 options (codes that no view interprets).
    mutating func dhcpv6Options(max: Int) -> [DHCPv6Message.Option] {
        (0..<int(0...max)).map { _ in
            DHCPv6Message.Option(DHCPv6OptionCode(rawValue: UInt16(int(100...60000))), random.bytes(int(0...64)))
        }
    }

    /// A DHCPV4-QUERY carrying `dhcpv4`, with random extra options.
    mutating func query(_ dhcpv4: DHCPv4Message, unicast: Bool) -> DHCPv6Message {
        var options = dhcpv6Options(max: 3)
        options.insert(.init(.dhcpv4Message, dhcpv4.encoded()), at: int(0...options.count))
        return DHCPv6Message(
            type: .dhcpv4Query, transactionID: unicast ? DHCPv4QueryView.unicastFlag : 0, options: options)
    }

    /// Relay-forward levels, outermost first, wrapping `inner`.
    mutating func relayChain(around inner: [UInt8], depth: Int) -> [RelayMessage] {
        var levels: [RelayMessage] = []
        var message = inner
        for level in 0..<depth {
            var options = dhcpv6Options(max: 2)
            if bool() { options.append(.init(.interfaceID, random.bytes(int(1...20)))) }
            if bool() { options.append(.init(.remoteID, random.bytes(int(4...20)))) }
            if bool() { options.append(.init(.subscriberID, random.bytes(int(1...20)))) }
            if bool() { options.append(.init(.relaySourcePort, random.bytes(2))) }
            options.insert(.init(.relayMessage, message), at: int(0...options.count))
            let relay = RelayMessage(
                type: .relayForward, hopCount: UInt8(level), linkAddress: ipv6(), peerAddress: ipv6(), options: options)
            levels.insert(relay, at: 0)
            message = relay.encoded()
        }
        return levels
    }
}
