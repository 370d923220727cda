import LeaseEngine
import LeaseLog
import PortLeaseWire
import Testing

/// DHCPRELEASE, DHCPDECLINE and DHCPINFORM.
@Suite struct LeaseEngineReleaseTests {
    let harness: EngineHarness

    init() throws {
        harness = try EngineHarness(Fixtures.configuration([Fixtures.sharedPool(), Fixtures.fullPool()]))
    }

    @Test func rfc7618Section8_releaseIsFoundByCiaddrAndPSID() throws {
        let client = TestClient(1)
        let ack = harness.dora(client)
        let release = harness.send(
            client.message(.release, ciaddr: ack.yiaddr!, portParams: ack.portParams), from: client)
        #expect(release.outcome == .accepted(.release))
        #expect(release.reply == nil)
        #expect(release.records.map(\.event) == [.release])
        #expect(release.records.first?.psid == ack.portParams?.psid)
        #expect(harness.engine.lease(of: client.key) == nil)
        #expect(harness.engine.counters.releases == 1)
    }

    @Test func rfc7618Section8_releaseWithAnotherPSIDReleasesNothing() throws {
        let client = TestClient(2)
        let ack = harness.dora(client)
        let wrong = try PortParams(offset: 6, psidLength: 6, psid: (ack.portParams!.psid + 1) % 64)
        let release = harness.send(client.message(.release, ciaddr: ack.yiaddr!, portParams: wrong), from: client)
        #expect(release.outcome == .dropped(.releaseNotFound))
        #expect(harness.engine.lease(of: client.key)?.kind == .bound)
    }

    @Test func rfc7618Section7_releaseOfASharedLeaseWithoutOption159ReleasesNothing() throws {
        let client = TestClient(3)
        let ack = harness.dora(client)
        let release = harness.send(client.message(.release, ciaddr: ack.yiaddr!), from: client)
        #expect(release.outcome == .dropped(.releaseNotFound))
    }

    @Test func releaseOfAnotherClientsLeaseReleasesNothing() throws {
        let owner = TestClient(4)
        let ack = harness.dora(owner)
        let other = TestClient(5)
        let release = harness.send(
            other.message(.release, ciaddr: ack.yiaddr!, portParams: ack.portParams), from: other)
        #expect(release.outcome == .dropped(.releaseNotFound))
        #expect(harness.engine.lease(of: owner.key)?.kind == .bound)
    }

    @Test func releaseOfAFullAddressNeedsNoOption159() throws {
        let client = TestClient(6, wantsPortParams: false)
        let ack = harness.dora(client)
        #expect(ack.portParams == nil)
        let release = harness.send(client.message(.release, ciaddr: ack.yiaddr!), from: client)
        #expect(release.outcome == .accepted(.release))
    }

    @Test func rfc2131Section4_3_3_declineQuarantinesThePortSetThenReturnsIt() throws {
        let harness = try EngineHarness(
            Fixtures.configuration([Fixtures.sharedPool("one", "198.51.100.1", "198.51.100.1", minimum: 6)]))
        let client = TestClient(7)
        let ack = harness.dora(client)
        let decline = harness.send(
            client.message(.decline, requested: ack.yiaddr, portParams: ack.portParams), from: client)
        #expect(decline.outcome == .accepted(.decline))
        #expect(decline.records.map(\.event) == [.decline])
        #expect(decline.records.first?.lifetime == 600)
        #expect(harness.engine.lease(of: client.key) == nil)
        #expect(harness.engine.previousBinding(of: client.key) == nil, "a declined set is not offered back")
        // While quarantined nobody gets it, even asking for it by name.
        let probe = TestClient(8)
        let held = harness.send(
            probe.message(.discover, requested: ack.yiaddr, portParams: ack.portParams), from: probe)
        #expect(held.portParams != ack.portParams)
        harness.send(
            probe.message(.request, requested: held.yiaddr, serverIdentifier: IPv4Address("192.0.2.77")), from: probe)
        harness.advance(seconds: 601)
        #expect(harness.engine.counters.quarantineEnds == 1)
        let after = harness.send(
            probe.message(.discover, requested: ack.yiaddr, portParams: ack.portParams), from: probe)
        #expect(after.portParams == ack.portParams)
    }

    @Test func declineOfSomethingNotHeldIsDropped() throws {
        let client = TestClient(9)
        let decline = harness.send(
            client.message(
                .decline, requested: IPv4Address("198.51.100.1"),
                portParams: try PortParams(offset: 6, psidLength: 6, psid: 1)),
            from: client)
        #expect(decline.outcome == .dropped(.declineNotFound))
    }

    @Test func rfc2131Section4_3_5_informGetsOptionsWithoutALease() throws {
        let client = TestClient(10)
        let ack = harness.dora(client)
        let inform = harness.send(client.message(.inform, ciaddr: ack.yiaddr!, prl: [1, 3, 6, 159]), from: client)
        #expect(inform.outcome == .reply(.ack, afterCommit: false))
        let reply = try #require(inform.reply)
        #expect(reply.header.yiaddr == .zero)
        #expect(reply.header.ciaddr == ack.yiaddr)
        #expect(reply.option(.leaseTime) == nil)
        #expect(reply.option(.portParams) == nil)
        #expect(reply.option(.routers) == [198, 51, 100, 254])
        #expect(inform.records.isEmpty)
    }
}

/// Force release (the control API's `DELETE /v1/leases`): the operator ends a lease.
@Suite struct LeaseEngineForceReleaseTests {
    let harness: EngineHarness

    init() throws {
        harness = try EngineHarness(Fixtures.configuration([Fixtures.sharedPool()]))
    }

    @Test func theLeaseEndsAtOnceItsPortSetIsFreeAndARenewalIsNaked() throws {
        let client = TestClient(21)
        let ack = harness.dora(client)
        let binding = try #require(harness.engine.lease(of: client.key)?.binding)
        var records: [LeaseRecord] = []
        #expect(harness.engine.forceRelease(client.key, now: harness.now, records: &records) == binding)
        #expect(records.map(\.event) == [.forcedRelease])
        #expect(records.first?.psid == ack.portParams?.psid && records.first?.address == ack.yiaddr)
        #expect(harness.engine.lease(of: client.key) == nil)
        #expect(harness.engine.previousBinding(of: client.key) == nil)
        #expect(harness.engine.holder(of: binding) == nil)
        // The client renews as if nothing happened: NAK (RFC 2131 4.3.2: an address it may not use).
        let renew = harness.send(
            client.message(.request, ciaddr: ack.yiaddr!, portParams: ack.portParams), from: client, unicast: true)
        #expect(renew.replyType == .nak)
        // The port set went back to the pool: a new client can be given exactly it.
        let other = TestClient(22)
        _ = harness.dora(other, hint: ack.portParams)
        #expect(harness.engine.lease(of: other.key) != nil)
    }

    @Test func noBoundLeaseMeansNothingToRelease() throws {
        var records: [LeaseRecord] = []
        #expect(harness.engine.forceRelease(TestClient(23).key, now: harness.now, records: &records) == nil)
        #expect(records.isEmpty)
    }

    @Test func replayingTheRecordLeavesTheClientWithoutTheLease() throws {
        let client = TestClient(24)
        _ = harness.dora(client)
        var records: [LeaseRecord] = []
        _ = harness.engine.forceRelease(client.key, now: harness.now, records: &records)
        // A restarted engine replays the bind and the forced release: no lease, no claim, a free port set.
        let restarted = try EngineHarness(Fixtures.configuration([Fixtures.sharedPool()]))
        for record in harness.allRecords + records { restarted.engine.replay(record) }
        #expect(restarted.engine.lease(of: client.key) == nil)
        #expect(restarted.engine.previousBinding(of: client.key) == nil)
    }
}
