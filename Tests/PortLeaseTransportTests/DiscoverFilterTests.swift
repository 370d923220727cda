import PortLeaseTransport
import PortLeaseWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The kernel-side DISCOVER filter on a real socket: DISCOVERs (unrelayed and under one or two
/// relays) are dropped before they reach it; everything else arrives, and every datagram the
/// classifier would queue as something other than a DISCOVER arrives, however it is mutated.
@Suite(.serialized)
struct DiscoverFilterTests {
    static let clientIdentifier: [UInt8] = [0xFF, 0, 0, 0, 1, 0, 3, 0, 1, 2, 0, 0, 0, 0, 7]

    /// The encoded DHCPv4 message: option 53 first (or third), optionally after a pad byte.
    static func dhcpv4(_ type: DHCPv4MessageType, padded: Bool = false, typeLast: Bool = false) -> [UInt8] {
        var options: [DHCPv4Message.Option] = [
            .init(.clientIdentifier, clientIdentifier), .init(.parameterRequestList, [1, 3, 6, 159]),
        ]
        let messageType = DHCPv4Message.Option(.messageType, [type.rawValue])
        if typeLast { options.append(messageType) } else { options.insert(messageType, at: 0) }
        var bytes = DHCPv4Message(
            header: DHCPv4Header(
                op: DHCPv4Header.bootRequest, xid: 7, chaddr: ClientHardwareAddress(bytes: [2, 0, 0, 0, 0, 7])),
            options: options
        ).encoded()
        if padded { bytes.insert(0, at: 240) }  // a pad right after the magic cookie
        return bytes
    }

    /// The DHCPV4-QUERY carrying `message`, in `relays` Relay-forward levels; with
    /// `leadingOption`, other options come before option 87 (and before option 9 in each relay).
    static func datagram(_ message: [UInt8], relays: Int, leadingOption: Bool = false) -> [UInt8] {
        var options: [DHCPv6Message.Option] = [.init(.dhcpv4Message, message)]
        if leadingOption { options.insert(.init(DHCPv6OptionCode(rawValue: 99), [1, 2, 3]), at: 0) }
        var bytes = DHCPv6Message(type: .dhcpv4Query, transactionID: 0, options: options).encoded()
        for level in 0..<relays {
            var relayOptions: [DHCPv6Message.Option] = [.init(.relayMessage, bytes)]
            if leadingOption {
                relayOptions.insert(.init(.interfaceID, Array("port-\(level)".utf8)), at: 0)
                relayOptions.insert(.init(.remoteID, [0, 0, 0, 9, 1, 2, 3]), at: 1)
            }
            bytes = RelayMessage(
                type: .relayForward, hopCount: UInt8(level), linkAddress: IPv6Address("2001:db8:100::1")!,
                peerAddress: IPv6Address("2001:db8:1::7")!, options: relayOptions
            ).encoded()
        }
        return bytes
    }

    /// Whether the classifier's parse takes `bytes` for a well-formed DHCPV4-QUERY, and whether it is a DISCOVER.
    static func classify(_ bytes: [UInt8]) -> (query: Bool, discover: Bool) {
        bytes.withUnsafeBytes { raw in
            guard let packet = try? DHCPv6Packet(parsing: raw), let query = try? DHCPv4QueryView(packet.message),
                let message = try? DHCPv4MessageView(parsing: query.dhcpv4Message)
            else { return (false, false) }
            return (true, message.messageType == .discover)
        }
    }

    /// Sends each datagram to a filtered socket and returns which arrived.
    static func deliver(_ datagrams: [[UInt8]], filtered: Bool = true) throws -> [Bool] {
        let socket = try UDPSocket(bind: loopback, port: 0)
        defer { socket.close() }
        _ = try socket.setReceiveBufferSize(8 << 20)
        if filtered { try socket.shedDiscoversInKernel(true) }
        let client = TestClient()
        var arrived: [Bool] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        for chunk in stride(from: 0, to: datagrams.count, by: 256) {
            let slice = datagrams[chunk..<min(chunk + 256, datagrams.count)]
            // Tag each with its index in a trailing byte pair the parsers ignore? No: match by content.
            for bytes in slice { #expect(client.send(bytes, toPort: socket.localAddress.port)) }
            // Loopback delivers within sendto: what arrived is queued by now.
            var received: [[UInt8]] = []
            while true {
                let count = buffer.withUnsafeMutableBytes {
                    recv(socket.fileDescriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT))
                }
                guard count >= 0 else { break }
                received.append(Array(buffer[0..<count]))
            }
            var remaining = received[...]
            for bytes in slice {
                if remaining.first == bytes {
                    arrived.append(true)
                    remaining = remaining.dropFirst()
                } else {
                    arrived.append(false)
                }
            }
            #expect(remaining.isEmpty, "datagrams arrived in order, each once")
        }
        return arrived
    }

    @Test(arguments: [0, 1, 2])
    func discoversAreDroppedAndEverythingElseArrives(relays: Int) throws {
        var cases: [(String, [UInt8], Bool)] = []
        for leading in [false, true] {
            for (name, message) in [
                ("DISCOVER", Self.dhcpv4(.discover)), ("padded DISCOVER", Self.dhcpv4(.discover, padded: true)),
                ("DISCOVER, type third", Self.dhcpv4(.discover, typeLast: true)),
            ] {
                cases.append(
                    (
                        "\(name) leading \(leading)", Self.datagram(message, relays: relays, leadingOption: leading),
                        false
                    ))
            }
            for type in [DHCPv4MessageType.request, .release, .decline, .inform] {
                cases.append(
                    (
                        "\(type) leading \(leading)",
                        Self.datagram(Self.dhcpv4(type), relays: relays, leadingOption: leading), true
                    ))
            }
        }
        let discover = Self.datagram(Self.dhcpv4(.discover), relays: relays)
        // A DISCOVER cut short before its option 53 cannot be read to the end: it is let through.
        cases.append(("DISCOVER cut before option 53", Array(discover.prefix(discover.count - 40 - 2 - 6)), true))
        cases.append(("empty", [], true))
        cases.append(("one byte", [20], true))
        cases.append(
            (
                "Information-Request",
                DHCPv6Message(type: .informationRequest, transactionID: 1, options: []).encoded(), true
            ))
        let arrived = try Self.deliver(cases.map(\.1))
        for (index, (name, _, expected)) in cases.enumerated() {
            #expect(arrived[index] == expected, "\(name) at \(relays) relay level(s)")
        }
        // Without the filter everything arrives; detached, again everything.
        #expect(try Self.deliver(cases.map(\.1), filtered: false).allSatisfy { $0 })
    }

    @Test func detachingLetsDiscoversThroughAgain() throws {
        let socket = try UDPSocket(bind: loopback, port: 0)
        defer { socket.close() }
        let client = TestClient()
        let discover = Self.datagram(Self.dhcpv4(.discover), relays: 1)
        var buffer = [UInt8](repeating: 0, count: 2048)
        func arrives() -> Bool {
            #expect(client.send(discover, toPort: socket.localAddress.port))
            return buffer.withUnsafeMutableBytes {
                recv(socket.fileDescriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT))
            } > 0
        }
        try socket.shedDiscoversInKernel(true)
        #expect(!arrives())
        try socket.shedDiscoversInKernel(false)
        #expect(arrives())
        try socket.shedDiscoversInKernel(false)  // detaching twice is harmless
    }

    /// 20,000 mutations of valid queries: each one the classifier would queue as anything but a
    /// DISCOVER arrives.
    @Test func noQueryButADiscoverIsEverDropped() throws {
        var generator = SystemRandomNumberGenerator()
        var datagrams: [[UInt8]] = []
        let types: [DHCPv4MessageType] = [.discover, .request, .release, .inform, .decline]
        while datagrams.count < 20_000 {
            var bytes = Self.datagram(
                Self.dhcpv4(types.randomElement(using: &generator)!, padded: Bool.random(using: &generator)),
                relays: Int.random(in: 0...2, using: &generator), leadingOption: Bool.random(using: &generator))
            for _ in 0..<Int.random(in: 0...3, using: &generator) {
                switch Int.random(in: 0..<3, using: &generator) {
                case 0:
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(
                        in: 0...255, using: &generator)
                case 1: bytes.removeLast(Int.random(in: 0...min(40, bytes.count), using: &generator))
                default:
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] ^=
                        1 << UInt8.random(in: 0..<8, using: &generator)
                }
                if bytes.isEmpty { break }
            }
            datagrams.append(bytes)
        }
        let arrived = try Self.deliver(datagrams)
        var dropped = 0
        for (bytes, came) in zip(datagrams, arrived) {
            let seen = Self.classify(bytes)
            if seen.query && !seen.discover { #expect(came, "a non-DISCOVER query was dropped: \(bytes)") }
            if !came { dropped += 1 }
        }
        #expect(dropped > 2000, "the unmutated and lightly mutated DISCOVERs were dropped (\(dropped))")
    }
}
