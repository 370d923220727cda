import LeaseEngine
import LeaseLog
import PortLeaseWire
import Testing

/// DHCPREQUEST in each RFC 2131 section 4.3.2 state, told apart as RFC 7341 section
/// 7 says (the U flag stands for "unicast" when telling RENEWING from REBINDING).
@Suite struct LeaseEngineRequestTests {
    let harness: EngineHarness

    init() throws {
        harness = try EngineHarness(Fixtures.configuration([Fixtures.sharedPool(), Fixtures.fullPool()]))
    }

    func offer(_ client: TestClient) -> Exchange {
        harness.send(client.message(.discover), from: client)
    }

    // MARK: SELECTING

    @Test func rfc2131Section4_3_2_selectingForUsBindsAndTheAckWaitsForTheRecord() throws {
        let client = TestClient(1)
        let offer = offer(client)
        let ack = harness.send(
            client.message(
                .request, requested: offer.yiaddr, serverIdentifier: Fixtures.serverID, portParams: offer.portParams),
            from: client)
        #expect(ack.outcome == .reply(.ack, afterCommit: true))
        #expect(ack.yiaddr == offer.yiaddr)
        #expect(ack.portParams == offer.portParams, "RFC 7618 section 6 step 4: the ACK MUST carry option 159")
        #expect(ack.reply?.option(.leaseTime) == [0, 0, 0x0E, 0x10])
        let record = try #require(ack.records.first)
        #expect(ack.records.count == 1)
        #expect(record.event == .bind)
        #expect(record.clientKey == client.key)
        #expect(record.address == offer.yiaddr)
        #expect(record.psid == offer.portParams?.psid)
        #expect(record.psidLength == 6)
        #expect(record.psidOffset == 6)
        #expect(record.lifetime == 3600)
        #expect(record.subscriber == client.address)
        #expect(record.relay.interfaceID == Array("ge-0/0/1".utf8))
        #expect(harness.engine.lease(of: client.key)?.kind == .bound)
    }

    @Test func rfc2131Section4_3_2_selectingAnotherServerReleasesOurOffer() throws {
        let client = TestClient(2)
        let offer = offer(client)
        let other = harness.send(
            client.message(
                .request, requested: offer.yiaddr, serverIdentifier: IPv4Address("192.0.2.99"),
                portParams: offer.portParams),
            from: client)
        #expect(other.outcome == .dropped(.otherServerSelected))
        #expect(other.reply == nil)
        #expect(harness.engine.lease(of: client.key) == nil)
        // The released pair is free: another client may have it exactly.
        let next = TestClient(3)
        let taken = harness.send(
            next.message(.discover, requested: offer.yiaddr, portParams: offer.portParams), from: next)
        #expect(taken.portParams == offer.portParams)
    }

    @Test func rfc2131Section4_3_2_selectingWithoutAnOfferIsNaked() throws {
        let client = TestClient(4)
        let nak = harness.send(
            client.message(
                .request, requested: IPv4Address("198.51.100.1"), serverIdentifier: Fixtures.serverID,
                portParams: try PortParams(offset: 6, psidLength: 6, psid: 5)),
            from: client)
        #expect(nak.outcome == .reply(.nak, afterCommit: false))
        #expect(nak.yiaddr == .zero)
        #expect(nak.reply?.option(.serverIdentifier) == Fixtures.serverID.bytes)
        #expect(nak.reply?.option(.leaseTime) == nil)
        #expect(nak.records.isEmpty)
    }

    @Test func rfc7618Section8_selectingForADifferentPortSetIsNaked() throws {
        let client = TestClient(5)
        let offer = offer(client)
        let wrong = try PortParams(offset: 6, psidLength: 6, psid: (offer.portParams!.psid + 1) % 64)
        let nak = harness.send(
            client.message(.request, requested: offer.yiaddr, serverIdentifier: Fixtures.serverID, portParams: wrong),
            from: client)
        #expect(nak.replyType == .nak)
    }

    // MARK: INIT-REBOOT

    @Test func rfc2131Section4_3_2_initRebootWithTheCurrentBindingIsAcked() throws {
        let client = TestClient(6)
        let ack = harness.dora(client)
        let reboot = harness.send(
            client.message(.request, requested: ack.yiaddr, portParams: ack.portParams), from: client)
        #expect(reboot.outcome == .reply(.ack, afterCommit: true))
        #expect(reboot.portParams == ack.portParams)
        #expect(reboot.records.first?.event == .renew)
    }

    @Test func rfc2131Section4_3_2_initRebootWithAWrongAddressIsNaked() throws {
        let client = TestClient(7)
        let ack = harness.dora(client)
        let other = IPv4Address(
            ack.yiaddr!.value == IPv4Address("198.51.100.1")!.value ? "198.51.100.2" : "198.51.100.1")!
        let nak = harness.send(client.message(.request, requested: other, portParams: ack.portParams), from: client)
        #expect(nak.replyType == .nak)
        #expect(harness.engine.lease(of: client.key)?.kind == .bound, "a NAK does not end the real lease")
    }

    @Test func rfc2131Section4_3_2_initRebootFromAnUnknownClientIsSilent() throws {
        let client = TestClient(8)
        let silent = harness.send(
            client.message(
                .request, requested: IPv4Address("198.51.100.2"),
                portParams: try PortParams(offset: 6, psidLength: 6, psid: 3)),
            from: client)
        #expect(silent.outcome == .dropped(.unknownClient))
        #expect(silent.reply == nil)
    }

    @Test func rfc2131Section4_3_2_initRebootOnTheWrongNetworkIsNaked() throws {
        // The client asks for 159, so only the shared pool serves it: an address of the
        // full pool is ours but not on this client's network.
        let client = TestClient(9)
        let nak = harness.send(client.message(.request, requested: IPv4Address("203.0.113.17")), from: client)
        #expect(nak.replyType == .nak)
        // An address that is no pool of ours at all may be another server's: silence.
        let foreign = harness.send(client.message(.request, requested: IPv4Address("10.1.2.3")), from: client)
        #expect(foreign.outcome == .dropped(.unknownClient))
    }

    @Test func rfc2131Section4_3_2_initRebootTakesBackAPreviousBindingStillFree() throws {
        let client = TestClient(10)
        let ack = harness.dora(client)
        harness.advance(seconds: 3601)  // the lease expires while the client is away
        #expect(harness.engine.lease(of: client.key) == nil)
        let reboot = harness.send(
            client.message(.request, requested: ack.yiaddr, portParams: ack.portParams), from: client)
        #expect(reboot.replyType == .ack)
        #expect(reboot.portParams == ack.portParams)
        #expect(reboot.records.first?.event == .bind)
    }

    // MARK: RENEWING and REBINDING

    @Test func rfc2131Section4_3_2_renewingExtendsTheLease() throws {
        let client = TestClient(11)
        let ack = harness.dora(client)
        harness.advance(seconds: 1800)
        let renew = harness.send(
            client.message(.request, ciaddr: ack.yiaddr!, portParams: ack.portParams), from: client, unicast: true)
        #expect(renew.outcome == .reply(.ack, afterCommit: true))
        #expect(renew.reply?.header.ciaddr == ack.yiaddr)
        #expect(renew.records.first?.event == .renew)
        #expect(harness.engine.lease(of: client.key)?.expiry == harness.now + 3_600_000)
        harness.advance(seconds: 3000)  // past the first lease's end, inside the renewed one
        #expect(harness.engine.lease(of: client.key)?.kind == .bound)
    }

    @Test func rfc2131Section4_3_2_rebindingExtendsTheLease() throws {
        let client = TestClient(12)
        let ack = harness.dora(client)
        harness.advance(seconds: 3200)
        let rebind = harness.send(
            client.message(.request, ciaddr: ack.yiaddr!, portParams: ack.portParams), from: client, unicast: false)
        #expect(rebind.replyType == .ack)
        #expect(rebind.records.first?.event == .renew)
    }

    @Test func rfc2131Section4_3_2_renewingAnAddressWeDidNotGiveIsNaked() throws {
        let client = TestClient(13)
        let nak = harness.send(
            client.message(
                .request, ciaddr: IPv4Address("198.51.100.3")!,
                portParams: try PortParams(offset: 6, psidLength: 6, psid: 1)),
            from: client, unicast: true)
        #expect(nak.replyType == .nak)
    }

    @Test func rfc2131Section4_3_2_rebindingAnotherServersAddressIsSilent() throws {
        let client = TestClient(14)
        let silent = harness.send(
            client.message(.request, ciaddr: IPv4Address("10.9.8.7")!), from: client, unicast: false)
        #expect(silent.outcome == .dropped(.unknownClient))
    }

    @Test func rfc7618Section7_renewingWithAnotherClientsPortSetIsNaked() throws {
        let owner = TestClient(15)
        let ack = harness.dora(owner)
        let intruder = TestClient(16)
        harness.dora(intruder)
        let nak = harness.send(
            intruder.message(.request, ciaddr: ack.yiaddr!, portParams: ack.portParams), from: intruder, unicast: true)
        #expect(nak.replyType == .nak)
        #expect(harness.engine.holder(of: harness.engine.lease(of: owner.key)!.binding) == owner.key)
    }

    @Test func requestInNoKnownStateIsDropped() {
        let client = TestClient(17)
        let dropped = harness.send(client.message(.request), from: client)
        #expect(dropped.outcome == .dropped(.malformedRequest))
    }
}
