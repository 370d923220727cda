import LeaseEngine
import LeaseLog
import PortLeaseWire

/// A simulated DHCPv4-over-DHCPv6 client: builds the DHCPv4 messages a client in
/// each RFC 2131 state sends.
struct TestClient {
    var number: Int
    /// RFC 4361 client identifier: type 255, IAID, DUID-LL.
    var clientIdentifier: [UInt8] {
        [
            0xFF, 0, 0, 0, 1, 0, 3, 0, 1, 0x02, 0, UInt8(number >> 24 & 0xFF), UInt8(number >> 16 & 0xFF),
            UInt8(number >> 8 & 0xFF), UInt8(number & 0xFF),
        ]
    }
    var key: ClientKey { ClientKey(kind: .clientIdentifier, bytes: clientIdentifier) }
    /// The CPE's IPv6 address: one /56 per ten clients, so prefixes are shared.
    var address: IPv6Address {
        IPv6Address(high: 0x2001_0DB8_0100_0000 | UInt64(number / 10) << 8, low: UInt64(number % 10) + 1)
    }
    var wantsPortParams = true
    var xid: UInt32 { UInt32(truncatingIfNeeded: number &* 2_654_435_761) }

    init(_ number: Int, wantsPortParams: Bool = true) {
        self.number = number
        self.wantsPortParams = wantsPortParams
    }

    var parameterRequestList: [UInt8] {
        wantsPortParams ? [1, 3, 6, 15, 26, 159] : [1, 3, 6, 15, 26]
    }

    func message(
        _ type: DHCPv4MessageType, ciaddr: IPv4Address = .zero, requested: IPv4Address? = nil,
        serverIdentifier: IPv4Address? = nil, portParams: PortParams? = nil, prl: [UInt8]? = nil,
        clientID: Bool = true
    ) -> DHCPv4Message {
        var options: [DHCPv4Message.Option] = [.init(.messageType, [type.rawValue])]
        if clientID { options.append(.init(.clientIdentifier, clientIdentifier)) }
        options.append(.init(.parameterRequestList, prl ?? parameterRequestList))
        if let requested { options.append(.init(.requestedAddress, requested.bytes)) }
        if let serverIdentifier { options.append(.init(.serverIdentifier, serverIdentifier.bytes)) }
        if let portParams {
            options.append(
                .init(
                    .portParams,
                    [
                        portParams.offset, portParams.psidLength, UInt8(portParams.wirePSID >> 8),
                        UInt8(portParams.wirePSID & 0xFF),
                    ]))
        }
        return DHCPv4Message(
            header: DHCPv4Header(
                op: DHCPv4Header.bootRequest, xid: xid, ciaddr: ciaddr,
                chaddr: ClientHardwareAddress(bytes: [0x02, 0, 0, 0, UInt8(number >> 8 & 0xFF), UInt8(number & 0xFF)])),
            options: options)
    }
}

/// The relay identity a test query arrives with.
struct TestRelay {
    var linkAddress = IPv6Address("2001:db8:ffff::1")!
    var interfaceID: [UInt8]? = Array("ge-0/0/1".utf8)
    var remoteID: [UInt8]? = nil
    var subscriberID: [UInt8]? = nil
}

/// What one exchange with the engine produced.
struct Exchange {
    var outcome: EngineOutcome
    /// The reply, decoded (nil when nothing was written).
    var reply: DHCPv4Message?
    var records: [LeaseRecord]

    var replyType: DHCPv4MessageType? { reply?.messageType }
    var yiaddr: IPv4Address? { reply?.header.yiaddr }
    /// Option 159 of the reply, decoded.
    var portParams: PortParams? {
        guard let bytes = reply?.option(.portParams) else { return nil }
        return bytes.withUnsafeBytes { try? PortParams(wireValue: $0) }
    }
    /// The binding the reply grants, as (address, PSID, length).
    var granted: (address: IPv4Address, psid: UInt16, psidLength: UInt8)? {
        guard let yiaddr, yiaddr != .zero else { return nil }
        return (yiaddr, portParams?.psid ?? 0, portParams?.psidLength ?? 0)
    }
}

/// An engine driven through real encoded DHCPv4 messages, with a synthetic clock.
final class EngineHarness {
    let engine: LeaseEngine
    /// Milliseconds since the epoch.
    var now: Int64 = 1_800_000_000_000
    var allRecords: [LeaseRecord] = []
    private var buffer = [UInt8](repeating: 0, count: 1500)

    init(_ configuration: EngineConfiguration, shards: Int = 1, shard: Int = 0) throws {
        let pools = try LeaseEngine.makePools(for: configuration, shards: shards)
        engine = try LeaseEngine(configuration: configuration, pools: pools, shard: shard)
    }

    init(engine: LeaseEngine) {
        self.engine = engine
    }

    func advance(seconds: Int64) {
        now += seconds * 1000
        var records: [LeaseRecord] = []
        engine.expire(now: now, records: &records)
        allRecords += records
    }

    @discardableResult
    func send(
        _ message: DHCPv4Message, from client: TestClient, unicast: Bool = false, relay: TestRelay? = TestRelay(),
        interface: String? = nil
    ) -> Exchange {
        let bytes = message.encoded()
        var records: [LeaseRecord] = []
        let (outcome, written): (EngineOutcome, [UInt8]) = bytes.withUnsafeBytes { raw in
            let view = try! DHCPv4MessageView(parsing: raw)
            return buffer.withUnsafeMutableBytes { out in
                var writer = ByteWriter(out)
                let interfaceID = relay?.interfaceID ?? []
                let remoteID = relay?.remoteID ?? []
                let subscriberID = relay?.subscriberID ?? []
                return interfaceID.withUnsafeBytes { interfaceIDRaw in
                    remoteID.withUnsafeBytes { remoteIDRaw in
                        subscriberID.withUnsafeBytes { subscriberIDRaw in
                            let query = EngineQuery(
                                message: view, isUnicast: unicast, clientAddress: client.address,
                                linkAddress: relay?.linkAddress,
                                interfaceID: relay?.interfaceID == nil ? nil : interfaceIDRaw,
                                remoteID: relay?.remoteID == nil ? nil : remoteIDRaw,
                                subscriberID: relay?.subscriberID == nil ? nil : subscriberIDRaw, interface: interface)
                            let outcome = engine.handle(query, now: now, reply: &writer, records: &records)
                            return (outcome, Array(writer.written))
                        }
                    }
                }
            }
        }
        allRecords += records
        let reply = written.isEmpty ? nil : try! DHCPv4Message(decoding: written)
        return Exchange(outcome: outcome, reply: reply, records: records)
    }

    /// DISCOVER then SELECTING REQUEST for what was offered: the ACK exchange.
    @discardableResult
    func dora(_ client: TestClient, hint: PortParams? = nil, relay: TestRelay? = TestRelay()) -> Exchange {
        let offer = send(client.message(.discover, portParams: hint), from: client, relay: relay)
        guard offer.replyType == .offer, let yiaddr = offer.yiaddr else { return offer }
        return send(
            client.message(
                .request, requested: yiaddr, serverIdentifier: engine.configuration.serverIdentifier,
                portParams: offer.portParams),
            from: client, relay: relay)
    }
}

enum Fixtures {
    static let serverID = IPv4Address("192.0.2.1")!

    static func range(_ first: String, _ last: String) -> ClosedRange<IPv4Address> {
        IPv4Address(first)!...IPv4Address(last)!
    }

    /// A MAP shared pool (a = 6, k = 6, hints 4...6) over `addresses`.
    static func sharedPool(
        _ name: String = "map", _ first: String = "198.51.100.1", _ last: String = "198.51.100.4",
        match: PoolPolicy.Match = .init(), minimum: Int = 4, offset: Int = 6, reserved: [ClosedRange<Int>] = [0...1023]
    ) -> PoolPolicy {
        PoolPolicy(
            name: name,
            kind: .shared(
                .init(
                    psidOffset: offset, defaultPSIDLength: 6, minimumPSIDLength: minimum, maximumPSIDLength: 6,
                    reservedPorts: reserved)),
            addressRanges: [range(first, last)], validLifetime: 3600, match: match,
            options: PoolOptions(
                subnetMask: IPv4Address("255.255.255.0"), routers: [IPv4Address("198.51.100.254")!],
                domainNameServers: [IPv4Address("192.0.2.53")!], domainName: "isp.example"))
    }

    static func fullPool(
        _ name: String = "full", _ first: String = "203.0.113.16", _ last: String = "203.0.113.19",
        servePortParamsClients: Bool = false, match: PoolPolicy.Match = .init()
    ) -> PoolPolicy {
        PoolPolicy(
            name: name, kind: .full(servePortParamsClients: servePortParamsClients),
            addressRanges: [range(first, last)], validLifetime: 7200, match: match,
            options: PoolOptions(routers: [IPv4Address("203.0.113.1")!]))
    }

    static func configuration(
        _ pools: [PoolPolicy], limit: Int? = nil, subscriberKey: EngineConfiguration.SubscriberKey = .none
    ) -> EngineConfiguration {
        EngineConfiguration(
            serverIdentifier: serverID, pools: pools, offerLifetime: 30, declineQuarantine: 600,
            leasesPerSubscriber: limit, subscriberKey: subscriberKey)
    }
}
