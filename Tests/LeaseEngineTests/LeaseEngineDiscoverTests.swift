import LeaseEngine
import LeaseLog
import PortLeaseWire
import Testing

/// DHCPDISCOVER -> DHCPOFFER: RFC 7618 sections 6 and 8, RFC 2131 4.3.1.
@Suite struct LeaseEngineDiscoverTests {
    let harness: EngineHarness

    init() throws {
        harness = try EngineHarness(Fixtures.configuration([Fixtures.sharedPool(), Fixtures.fullPool()]))
    }

    @Test func offersOutstandingCountEachOfferUntilTakenUpOrTimedOut() throws {
        let harness = try EngineHarness(Fixtures.configuration([Fixtures.sharedPool(), Fixtures.fullPool()]))
        for number in 1...3 { harness.send(TestClient(number).message(.discover), from: TestClient(number)) }
        #expect(harness.engine.counters.offersOutstanding == [3, 0])
        // A second DISCOVER re-offers the same set: still one.
        harness.send(TestClient(1).message(.discover), from: TestClient(1))
        #expect(harness.engine.counters.offersOutstanding == [3, 0])
        // Taken up: bound, no longer an offer.
        #expect(harness.dora(TestClient(2)).replyType == .ack)
        #expect(harness.engine.counters.offersOutstanding == [2, 0])
        // Another server chosen: the offer is let go.
        harness.send(
            TestClient(3).message(
                .request, requested: IPv4Address(198, 51, 100, 1), serverIdentifier: IPv4Address(192, 0, 2, 99)),
            from: TestClient(3))
        #expect(harness.engine.counters.offersOutstanding == [1, 0])
        // The offer lifetime (30 s) runs out.
        harness.advance(seconds: 31)
        #expect(harness.engine.counters.offersOutstanding == [0, 0])
        harness.send(
            TestClient(9, wantsPortParams: false).message(.discover), from: TestClient(9, wantsPortParams: false))
        #expect(harness.engine.counters.offersOutstanding == [0, 1])
    }

    @Test func rfc7618Section8_offerCarriesAddressAndPortSetTogether() throws {
        let offer = harness.send(TestClient(1).message(.discover), from: TestClient(1))
        #expect(offer.outcome == .reply(.offer, afterCommit: false))
        let granted = try #require(offer.granted)
        #expect(Fixtures.range("198.51.100.1", "198.51.100.4").contains(granted.address))
        let params = try #require(offer.portParams)
        #expect(params.offset == 6)
        #expect(params.psidLength == 6)
        #expect(offer.records.isEmpty, "offers promise nothing and are not logged")
    }

    @Test func rfc7618Section8_option159OnlyWhenInParameterRequestList() throws {
        // A client without 159 in option 55 gets a full address and no option 159 ...
        let plain = TestClient(2, wantsPortParams: false)
        let offer = harness.send(plain.message(.discover), from: plain)
        #expect(offer.replyType == .offer)
        #expect(offer.reply?.option(.portParams) == nil)
        #expect(Fixtures.range("203.0.113.16", "203.0.113.19").contains(try #require(offer.yiaddr)))
        // ... even if it sends option 159 itself without asking for it in 55.
        let sneaky = TestClient(3, wantsPortParams: false)
        let hinted = harness.send(
            sneaky.message(.discover, portParams: try PortParams(offset: 6, psidLength: 6, psid: 9)), from: sneaky)
        #expect(hinted.reply?.option(.portParams) == nil)
    }

    @Test func rfc2131Section4_3_1_offerHasLeaseTimesAndServerIdentifier() throws {
        let offer = harness.send(TestClient(4).message(.discover), from: TestClient(4))
        let reply = try #require(offer.reply)
        #expect(reply.option(.serverIdentifier) == Fixtures.serverID.bytes)
        #expect(reply.option(.leaseTime) == [0, 0, 0x0E, 0x10])  // 3600
        #expect(reply.option(.renewalTime) == [0, 0, 0x07, 0x08])  // 1800
        #expect(reply.option(.rebindingTime) == [0, 0, 0x0C, 0x4E])  // 3150
        #expect(reply.header.op == DHCPv4Header.bootReply)
        #expect(reply.header.xid == TestClient(4).xid)
        #expect(reply.header.chaddr == TestClient(4).message(.discover).header.chaddr)
    }

    @Test func poolOptionsOnlyWhenRequestedOrAlwaysSent() throws {
        var pool = Fixtures.sharedPool()
        pool.options.alwaysSend = [15]
        pool.options.raw = [252: Array("http://wpad".utf8)]
        let harness = try EngineHarness(Fixtures.configuration([pool]))
        let client = TestClient(5)
        let offer = harness.send(client.message(.discover, prl: [3, 159]), from: client)
        let reply = try #require(offer.reply)
        #expect(reply.option(.routers) == [198, 51, 100, 254])
        #expect(reply.option(.domainName) == Array("isp.example".utf8), "always-send")
        #expect(reply.option(.subnetMask) == nil, "not requested")
        #expect(reply.option(.domainNameServers) == nil, "not requested")
        #expect(reply.option(DHCPv4OptionCode(rawValue: 252)) == nil)
        let asked = harness.send(TestClient(6).message(.discover, prl: [1, 6, 252, 159]), from: TestClient(6))
        #expect(asked.reply?.option(.subnetMask) == [255, 255, 255, 0])
        #expect(asked.reply?.option(.domainNameServers) == [192, 0, 2, 53])
        #expect(asked.reply?.option(DHCPv4OptionCode(rawValue: 252)) == Array("http://wpad".utf8))
    }

    @Test func rfc7618Section8_step1_currentBindingIsOfferedAgain() throws {
        let client = TestClient(7)
        let ack = harness.dora(client)
        #expect(ack.replyType == .ack)
        let again = harness.send(client.message(.discover), from: client)
        #expect(again.granted?.address == ack.granted?.address)
        #expect(again.portParams == ack.portParams)
    }

    @Test func rfc7618Section8_step1_repeatedDiscoverKeepsTheSameOffer() throws {
        let client = TestClient(8)
        let first = harness.send(client.message(.discover), from: client)
        let second = harness.send(client.message(.discover), from: client)
        #expect(first.portParams == second.portParams)
        #expect(first.yiaddr == second.yiaddr)
    }

    @Test func rfc7618Section8_step2_previousBindingIfStillFree() throws {
        // The client once held a k = 4 set. Without a hint, step 4 would give a k = 6
        // set (the default); getting the k = 4 set back can only be step 2.
        let client = TestClient(9)
        let ack = harness.dora(client, hint: try PortParams(offset: 6, psidLength: 4, psid: 0))
        let granted = try #require(ack.granted)
        #expect(granted.psidLength == 4)
        harness.send(
            client.message(.release, ciaddr: granted.address, portParams: ack.portParams), from: client)
        #expect(harness.engine.previousBinding(of: client.key)?.psid == granted.psid)
        let offer = harness.send(client.message(.discover), from: client)
        #expect(offer.granted?.address == granted.address)
        #expect(offer.granted?.psid == granted.psid)
        #expect(offer.granted?.psidLength == 4)
    }

    @Test func rfc7618Section8_step2_previousBindingSkippedWhenTaken() throws {
        // One address, k = 6 with a = 6: 64 port sets. The previous one is claimed by another client.
        let harness = try EngineHarness(
            Fixtures.configuration([Fixtures.sharedPool("one", "198.51.100.1", "198.51.100.1")]))
        let client = TestClient(11)
        let ack = harness.dora(client)
        let granted = try #require(ack.granted)
        harness.send(client.message(.release, ciaddr: granted.address, portParams: ack.portParams), from: client)
        let thief = TestClient(12)
        let stolen = harness.send(
            thief.message(.discover, requested: granted.address, portParams: ack.portParams), from: thief)
        #expect(stolen.granted?.psid == granted.psid, "step 3 gives the thief the free pair it asked for")
        let offer = harness.send(client.message(.discover), from: client)
        #expect(offer.replyType == .offer)
        #expect(offer.granted?.psid != granted.psid)
    }

    @Test func rfc7618Section8_step3_requestedAddressAndPSIDWhenFree() throws {
        let client = TestClient(13)
        let wanted = try PortParams(offset: 6, psidLength: 6, psid: 42)
        let offer = harness.send(
            client.message(.discover, requested: IPv4Address("198.51.100.3")!, portParams: wanted), from: client)
        #expect(offer.granted?.address == IPv4Address("198.51.100.3"))
        #expect(offer.portParams == wanted)
    }

    @Test func rfc7618Section8_step3_requestedPairIgnoredWhenTakenOrInvalid() throws {
        let wanted = try PortParams(offset: 6, psidLength: 6, psid: 42)
        let address = IPv4Address("198.51.100.3")!
        harness.dora(TestClient(14), hint: nil)
        let first = harness.send(
            TestClient(15).message(.discover, requested: address, portParams: wanted), from: TestClient(15))
        #expect(first.portParams == wanted)
        let second = harness.send(
            TestClient(16).message(.discover, requested: address, portParams: wanted), from: TestClient(16))
        #expect(second.replyType == .offer)
        #expect(!(second.yiaddr == address && second.portParams == wanted), "held by client 15's offer")
        // A pair outside the pool's offset is not valid: step 4 decides instead.
        let wrongOffset = try PortParams(offset: 0, psidLength: 6, psid: 42)
        let third = harness.send(
            TestClient(17).message(.discover, requested: address, portParams: wrongOffset), from: TestClient(17))
        #expect(third.portParams?.offset == 6)
    }

    @Test func rfc7618Section6_psidLengthHintHonouredWithinPolicy() throws {
        let four = harness.send(
            TestClient(18).message(.discover, portParams: try PortParams(offset: 0, psidLength: 4, psid: 0)),
            from: TestClient(18))
        #expect(four.portParams?.psidLength == 4, "a larger set (k = 4) is within the pool's 4...6")
        let two = harness.send(
            TestClient(19).message(.discover, portParams: try PortParams(offset: 0, psidLength: 2, psid: 0)),
            from: TestClient(19))
        #expect(two.portParams?.psidLength == 4, "k = 2 is clamped to the pool's minimum 4")
        let nine = harness.send(
            TestClient(20).message(.discover, portParams: try PortParams(offset: 0, psidLength: 9, psid: 0)),
            from: TestClient(20))
        #expect(nine.portParams?.psidLength == 6, "k = 9 is clamped to the pool's maximum 6")
        let none = harness.send(TestClient(21).message(.discover), from: TestClient(21))
        #expect(none.portParams?.psidLength == 6, "no hint: the pool's default")
    }

    @Test func rfc7618Section8_reservedPortsAreNeverOffered() throws {
        // lw4o6 (a = 0), k = 6: PSID 0 holds ports 0-1023 and is reserved by default.
        let pool = Fixtures.sharedPool("lw4o6", "198.51.100.1", "198.51.100.1", minimum: 6, offset: 0)
        let harness = try EngineHarness(Fixtures.configuration([pool]))
        var psids: Set<UInt16> = []
        for number in 0..<64 {
            let offer = harness.send(TestClient(100 + number).message(.discover), from: TestClient(100 + number))
            if let params = offer.portParams { psids.insert(params.psid) }
        }
        #expect(psids.count == 63)
        #expect(!psids.contains(0))
        // And asking for PSID 0 explicitly does not get it either.
        let explicit = harness.send(
            TestClient(200).message(
                .discover, requested: IPv4Address("198.51.100.1"),
                portParams: try PortParams(offset: 0, psidLength: 6, psid: 0)),
            from: TestClient(200))
        #expect(explicit.outcome == .dropped(.poolsExhausted))
    }

    @Test func rfc7618Section8_leasesAreUniquePerAddressAndPSID() throws {
        var seen: Set<[UInt32]> = []
        for number in 0..<300 {
            let ack = harness.dora(TestClient(300 + number))
            guard let granted = ack.granted else { break }
            #expect(seen.insert([granted.address.value, UInt32(granted.psid), UInt32(granted.psidLength)]).inserted)
        }
        #expect(seen.count == 4 * 64, "four addresses of 64 port sets, every one leased once")
    }

    @Test func exhaustedPoolsDropTheDiscover() throws {
        let harness = try EngineHarness(
            Fixtures.configuration([Fixtures.fullPool("tiny", "203.0.113.16", "203.0.113.16")]))
        #expect(
            harness.send(
                TestClient(1, wantsPortParams: false).message(.discover), from: TestClient(1, wantsPortParams: false)
            ).replyType == .offer)
        let second = TestClient(2, wantsPortParams: false)
        #expect(harness.send(second.message(.discover), from: second).outcome == .dropped(.poolsExhausted))
        #expect(harness.engine.counters.dropped(.poolsExhausted) == 1)
    }
}
