import LeaseEngine
import LeaseLog
import PortLeaseWire
import Testing

/// Which pool serves whom (RFC 7618 section 8.1, pool matching) and the
/// per-subscriber limit (RFC 7618 section 10).
@Suite struct LeaseEnginePoolSelectionTests {
    @Test func rfc7618Section8_1_sharedOnlyServerDiscardsClientsNotAskingFor159() throws {
        let harness = try EngineHarness(Fixtures.configuration([Fixtures.sharedPool()]))
        let plain = TestClient(1, wantsPortParams: false)
        let discover = harness.send(plain.message(.discover), from: plain)
        #expect(discover.outcome == .dropped(.sharedPoolsOnly))
        #expect(discover.reply == nil)
        let request = harness.send(plain.message(.request, requested: IPv4Address("198.51.100.1")), from: plain)
        #expect(request.reply?.messageType != .ack)
    }

    @Test func rfc7618Section8_1_clientsNotAskingFor159NeverGetSharedAddresses() throws {
        let harness = try EngineHarness(Fixtures.configuration([Fixtures.sharedPool(), Fixtures.fullPool()]))
        for number in 0..<4 {
            let plain = TestClient(number, wantsPortParams: false)
            let ack = harness.dora(plain)
            #expect(ack.replyType == .ack)
            #expect(ack.portParams == nil)
            #expect(Fixtures.range("203.0.113.16", "203.0.113.19").contains(ack.yiaddr!))
        }
        // The full pool is now empty; the shared pool still has room but is not for them.
        let fifth = TestClient(4, wantsPortParams: false)
        #expect(harness.send(fifth.message(.discover), from: fifth).outcome == .dropped(.poolsExhausted))
    }

    @Test func rfc7618Section8_1_fullPoolServes159ClientsOnlyWhenTold() throws {
        let strict = try EngineHarness(Fixtures.configuration([Fixtures.fullPool()]))
        #expect(
            strict.send(TestClient(1).message(.discover), from: TestClient(1)).outcome == .dropped(.noPoolForClient))
        let lenient = try EngineHarness(Fixtures.configuration([Fixtures.fullPool(servePortParamsClients: true)]))
        let ack = lenient.dora(TestClient(1))
        #expect(ack.replyType == .ack)
        #expect(ack.portParams == nil, "a full address: no option 159, the client configures it whole (RFC 7618 s7)")
    }

    @Test func sharedPoolIsPreferredForPortParamsClientsInConfigurationOrder() throws {
        let harness = try EngineHarness(
            Fixtures.configuration([Fixtures.fullPool(servePortParamsClients: true), Fixtures.sharedPool()]))
        let first = harness.dora(TestClient(1))
        #expect(first.portParams == nil, "the full pool comes first and serves 159 clients")
        for number in 2...4 { harness.dora(TestClient(number)) }
        let overflow = harness.dora(TestClient(5))
        #expect(overflow.portParams != nil, "with the full pool exhausted, the next eligible pool serves")
    }

    @Test func poolsMatchOnClientPrefixLinkAddressInterfaceIDAndInterface() throws {
        let byPrefix = Fixtures.sharedPool(
            "prefix", "198.51.100.1", "198.51.100.1",
            match: .init(clientPrefixes: [IPv6Prefix("2001:db8:100::/48")!]))
        let byLink = Fixtures.sharedPool(
            "link", "198.51.100.2", "198.51.100.2", match: .init(linkPrefixes: [IPv6Prefix("2001:db8:aaaa::/48")!]))
        let byInterfaceID = Fixtures.sharedPool(
            "ifid", "198.51.100.3", "198.51.100.3", match: .init(interfaceIDs: [Array("olt-7".utf8)]))
        let byInterface = Fixtures.sharedPool(
            "iface", "198.51.100.4", "198.51.100.4", match: .init(interfaces: ["eth1"]))
        let fallback = Fixtures.sharedPool("default", "198.51.100.5", "198.51.100.5")
        let harness = try EngineHarness(
            Fixtures.configuration([byPrefix, byLink, byInterfaceID, byInterface, fallback]))
        func discover(_ client: TestClient, relay: TestRelay?, interface: String? = nil) -> IPv4Address? {
            harness.send(client.message(.discover), from: client, relay: relay, interface: interface).yiaddr
        }
        let inside = TestClient(1)
        #expect(IPv6Prefix("2001:db8:100::/48")!.contains(inside.address))
        #expect(discover(inside, relay: TestRelay()) == IPv4Address("198.51.100.1"))
        // Clients numbered from 200,000 have addresses outside 2001:db8:100::/48.
        #expect(!IPv6Prefix("2001:db8:100::/48")!.contains(TestClient(200_000).address))
        let linkRelay = TestRelay(linkAddress: IPv6Address("2001:db8:aaaa::1")!, interfaceID: nil)
        #expect(discover(TestClient(200_000), relay: linkRelay) == IPv4Address("198.51.100.2"))
        let idRelay = TestRelay(linkAddress: IPv6Address("2001:db8:bbbb::1")!, interfaceID: Array("olt-7".utf8))
        #expect(discover(TestClient(200_001), relay: idRelay) == IPv4Address("198.51.100.3"))
        #expect(discover(TestClient(200_002), relay: nil, interface: "eth1") == IPv4Address("198.51.100.4"))
        #expect(discover(TestClient(200_003), relay: nil, interface: "eth9") == IPv4Address("198.51.100.5"))
    }

    @Test func rfc7618Section10_leasesPerSubscriberAreLimited() throws {
        // Clients 0...9 share one /56 (see TestClient.address); the limit is 3 per /56.
        let harness = try EngineHarness(
            Fixtures.configuration([Fixtures.sharedPool()], limit: 3, subscriberKey: .clientPrefix(length: 56)))
        for number in 0..<3 { #expect(harness.dora(TestClient(number)).replyType == .ack) }
        let fourth = TestClient(3)
        #expect(harness.send(fourth.message(.discover), from: fourth).outcome == .dropped(.subscriberLimit))
        #expect(harness.engine.counters.dropped(.subscriberLimit) == 1)
        // Another site is not affected.
        #expect(harness.dora(TestClient(10)).replyType == .ack)
        // Renewing an existing lease is never refused by the limit.
        let first = harness.engine.lease(of: TestClient(0).key)!.binding
        let renew = harness.send(
            TestClient(0).message(
                .request, ciaddr: first.address,
                portParams: try PortParams(offset: 6, psidLength: first.psidLength, psid: first.psid)),
            from: TestClient(0), unicast: true)
        #expect(renew.replyType == .ack)
        // Releasing one makes room for the fourth.
        harness.send(
            TestClient(1).message(
                .release, ciaddr: harness.engine.lease(of: TestClient(1).key)!.binding.address,
                portParams: harness.engine.lease(of: TestClient(1).key).map {
                    try! PortParams(offset: 6, psidLength: $0.binding.psidLength, psid: $0.binding.psid)
                }),
            from: TestClient(1))
        #expect(harness.dora(fourth).replyType == .ack)
    }

    @Test func rfc7618Section10_offersCountAgainstTheLimit() throws {
        let harness = try EngineHarness(
            Fixtures.configuration([Fixtures.sharedPool()], limit: 2, subscriberKey: .clientPrefix(length: 56)))
        for number in 0..<2 {
            #expect(harness.send(TestClient(number).message(.discover), from: TestClient(number)).replyType == .offer)
        }
        #expect(
            harness.send(TestClient(2).message(.discover), from: TestClient(2)).outcome == .dropped(.subscriberLimit))
        harness.advance(seconds: 31)  // the offers lapse
        #expect(harness.send(TestClient(2).message(.discover), from: TestClient(2)).replyType == .offer)
    }

    @Test func rfc7618Section10_subscriberKeyFromRemoteID() throws {
        let harness = try EngineHarness(
            Fixtures.configuration([Fixtures.sharedPool()], limit: 1, subscriberKey: .remoteID))
        let siteA = TestRelay(remoteID: [0, 0, 0x0D, 0xE9] + Array("site-a".utf8))
        let siteB = TestRelay(remoteID: [0, 0, 0x0D, 0xE9] + Array("site-b".utf8))
        #expect(harness.dora(TestClient(1), relay: siteA).replyType == .ack)
        #expect(
            harness.send(TestClient(2).message(.discover), from: TestClient(2), relay: siteA).outcome
                == .dropped(.subscriberLimit))
        #expect(harness.dora(TestClient(3), relay: siteB).replyType == .ack)
        // Without a Remote-ID the site cannot be told: no limit applies.
        #expect(harness.dora(TestClient(4), relay: nil).replyType == .ack)
        #expect(harness.dora(TestClient(5), relay: nil).replyType == .ack)
    }

    @Test func messagesTheServerCannotServeAreDroppedAndCounted() throws {
        let harness = try EngineHarness(Fixtures.configuration([Fixtures.sharedPool()]))
        let client = TestClient(1)
        var bootp = client.message(.discover)
        bootp.options.removeAll { $0.code == .messageType }
        #expect(harness.send(bootp, from: client).outcome == .dropped(.noMessageType))
        var reply = client.message(.discover)
        reply.header.op = DHCPv4Header.bootReply
        #expect(harness.send(reply, from: client).outcome == .dropped(.notBootRequest))
        #expect(harness.send(client.message(.offer), from: client).outcome == .dropped(.unexpectedMessageType))
        var anonymous = client.message(.discover, clientID: false)
        anonymous.header.hlen = 0
        #expect(harness.send(anonymous, from: client).outcome == .dropped(.noClientIdentity))
        #expect(harness.engine.counters.drops.reduce(0, +) == 4)
    }

    @Test func clientsWithoutOption61AreKeyedOnTheirHardwareAddress() throws {
        let harness = try EngineHarness(Fixtures.configuration([Fixtures.sharedPool()]))
        let client = TestClient(1)
        let offer = harness.send(client.message(.discover, clientID: false), from: client)
        #expect(offer.replyType == .offer)
        let ack = harness.send(
            client.message(
                .request, requested: offer.yiaddr, serverIdentifier: Fixtures.serverID, portParams: offer.portParams,
                clientID: false),
            from: client)
        #expect(ack.replyType == .ack)
        #expect(ack.records.first?.clientKey.kind == .hardwareAddress)
    }
}
