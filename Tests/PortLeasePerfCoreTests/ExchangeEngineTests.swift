import PortLeasePerfCore
import PortLeaseWire
import Testing

struct ExchangeEngineTests {
    static let address = IPv4Address(198, 51, 100, 7)
    static let params = try! PortParams(offset: 6, psidLength: 6, psid: 5)

    static func engine(
        _ scenario: Scenario, subscribers: Int = 1, relays: Int = 0, full: Bool = false, retransmissions: Int = 1
    ) -> ExchangeEngine {
        let engine = ExchangeEngine(
            settings: ExchangeSettings(
                scenario: scenario, subscribers: subscribers, relays: relays, full: full, timeoutNanoseconds: 1_000,
                retransmissions: retransmissions))
        engine.beginMeasurement()
        return engine
    }

    /// Runs one DORA on `engine`'s next idle subscriber, answering with the given port set.
    static func dora(
        _ engine: ExchangeEngine, _ outbox: Outbox, address: IPv4Address = address, params: PortParams? = params
    ) throws {
        #expect(engine.startExchange(now: 0, send: outbox.send))
        let discover = try #require(try outbox.take().first)
        engine.receive(FakeServer.reply(to: discover, .offer, yiaddr: address, portParams: params), outbox: outbox)
        let request = try #require(try outbox.take().first)
        engine.receive(FakeServer.reply(to: request, .ack, yiaddr: address, portParams: params), outbox: outbox)
    }

    @Test(arguments: [0, 1, 2]) func doraAdvancesOnOfferAndCompletesOnAck(relays: Int) throws {
        let engine = Self.engine(.dora, relays: relays)
        let outbox = Outbox()
        #expect(engine.startExchange(now: 0, send: outbox.send))
        let discover = try #require(try outbox.take().first)
        #expect(discover.dhcpv4?.messageType == .discover)
        #expect(discover.relays.count == relays)
        engine.receive(
            FakeServer.reply(to: discover, .offer, yiaddr: Self.address, portParams: Self.params), outbox: outbox)
        let request = try #require(try outbox.take().first)
        let message = try #require(request.dhcpv4)
        #expect(message.messageType == .request)
        #expect(message.option(.requestedAddress) == [198, 51, 100, 7])
        #expect(message.option(.serverIdentifier) == [192, 0, 2, 1])
        #expect(message.option(.portParams) == [6, 6, 0x14, 0])
        #expect(message.header.xid != discover.dhcpv4?.header.xid, "each query has its own sequence number")
        #expect(engine.completed == 0)
        engine.receive(
            FakeServer.reply(to: request, .ack, yiaddr: Self.address, portParams: Self.params), outbox: outbox)
        #expect(engine.completed == 1)
        #expect(engine.active == 0)
        #expect(engine.leasesHeld == 1)
        #expect(engine.errors.allSatisfy { $0.1 == 0 })
        #expect(engine.roundTripLatency.totalCount == 2)
        #expect(engine.exchangeLatency.totalCount == 1)
        // A duplicate ACK is late, not a second completion.
        engine.receive(
            FakeServer.reply(to: request, .ack, yiaddr: Self.address, portParams: Self.params), outbox: outbox)
        #expect(engine.count(.late) == 1)
        #expect(engine.completed == 1)
    }

    @Test func wrongRepliesAreCountedByKind() throws {
        let engine = Self.engine(.dora, subscribers: 4)
        let outbox = Outbox()
        for _ in 0..<4 { #expect(engine.startExchange(now: 0, send: outbox.send)) }
        let discovers = try outbox.take()
        // An ACK to a DISCOVER.
        engine.receive(FakeServer.reply(to: discovers[0], .ack, yiaddr: Self.address), outbox: outbox)
        // A NAK.
        engine.receive(FakeServer.reply(to: discovers[1], .nak, yiaddr: .zero), outbox: outbox)
        // An xid that names no subscriber, and one whose sequence is stale.
        engine.receive(FakeServer.reply(to: discovers[2], .offer, yiaddr: Self.address, xid: 99 << 8), outbox: outbox)
        engine.receive(
            FakeServer.reply(to: discovers[2], .offer, yiaddr: Self.address, xid: discovers[2].dhcpv4!.header.xid &+ 1),
            outbox: outbox)
        // Garbage.
        engine.receive([21, 0, 0, 0, 0, 87, 0, 9], outbox: outbox)  // option 87 overruns
        engine.receive([1, 0, 0, 1], outbox: outbox)  // a Solicit: no client receives one
        #expect(engine.count(.wrongReply) == 1)
        #expect(engine.count(.nak) == 1)
        #expect(engine.count(.unmatched) == 1)
        #expect(engine.count(.late) == 1)
        #expect(engine.count(.malformed) == 1)
        #expect(engine.count(.unexpectedType) == 1)
        #expect(engine.failed == 2)
        #expect(engine.active == 2)
        #expect(engine.received == 6)
    }

    @Test func ackMustMatchTheOffer() throws {
        let engine = Self.engine(.dora, subscribers: 2)
        let outbox = Outbox()
        for expected in [PerfError.addressMismatch, .portParamsMismatch] {
            #expect(engine.startExchange(now: 0, send: outbox.send))
            let discover = try #require(try outbox.take().first)
            engine.receive(
                FakeServer.reply(to: discover, .offer, yiaddr: Self.address, portParams: Self.params), outbox: outbox)
            let request = try #require(try outbox.take().first)
            let other = try PortParams(offset: 6, psidLength: 6, psid: 6)
            let ack =
                expected == .addressMismatch
                ? FakeServer.reply(to: request, .ack, yiaddr: IPv4Address(198, 51, 100, 8), portParams: Self.params)
                : FakeServer.reply(to: request, .ack, yiaddr: Self.address, portParams: other)
            engine.receive(ack, outbox: outbox)
            #expect(engine.count(expected) == 1)
        }
        #expect(engine.completed == 0)
    }

    @Test func fullClientsRejectOption159() throws {
        let engine = Self.engine(.dora, full: true)
        let outbox = Outbox()
        #expect(engine.startExchange(now: 0, send: outbox.send))
        let discover = try #require(try outbox.take().first)
        engine.receive(
            FakeServer.reply(to: discover, .offer, yiaddr: Self.address, portParams: Self.params), outbox: outbox)
        #expect(engine.count(.portParamsMismatch) == 1)
        #expect(outbox.datagrams.isEmpty)
    }

    @Test func relayedRepliesMustMirrorTheChain() throws {
        let engine = Self.engine(.dora, relays: 1)
        let outbox = Outbox()
        #expect(engine.startExchange(now: 0, send: outbox.send))
        var discover = try #require(try outbox.take().first)
        engine.receive(
            FakeServer.reply(
                to: FakeServer.Query(relays: [], flags: 0, dhcpv4: discover.dhcpv4, transactionID: 0), .offer,
                yiaddr: Self.address), outbox: outbox)
        discover.relays[0].peerAddress = SubscriberIdentity(5).ipv6Address
        engine.receive(FakeServer.reply(to: discover, .offer, yiaddr: Self.address), outbox: outbox)
        #expect(engine.count(.relayMismatch) == 2)
        #expect(engine.active == 1)
    }

    @Test func overlappingLeasesAreCaught() throws {
        let engine = Self.engine(.dora, subscribers: 3)
        let outbox = Outbox()
        try Self.dora(engine, outbox, params: Self.params)
        // Another subscriber gets the same port set, a third the whole address.
        try Self.dora(engine, outbox, params: Self.params)
        try Self.dora(engine, outbox, params: nil)
        #expect(engine.completed == 3)
        #expect(engine.count(.duplicateLease) == 2)
        #expect(engine.leasesHeld == 1)
    }

    @Test func doraReleaseSendsARelease() throws {
        let engine = Self.engine(.doraRelease)
        let outbox = Outbox()
        #expect(engine.startExchange(now: 0, send: outbox.send))
        let discover = try #require(try outbox.take().first)
        engine.receive(
            FakeServer.reply(to: discover, .offer, yiaddr: Self.address, portParams: Self.params), outbox: outbox)
        let request = try #require(try outbox.take().first)
        engine.receive(
            FakeServer.reply(to: request, .ack, yiaddr: Self.address, portParams: Self.params), outbox: outbox)
        let release = try #require(try outbox.take().first?.dhcpv4)
        #expect(release.messageType == .release)
        #expect(release.header.ciaddr == Self.address)
        #expect(release.option(.serverIdentifier) == [192, 0, 2, 1])
        #expect(engine.completed == 1)
        #expect(engine.leasesHeld == 0)
    }

    @Test(arguments: [Scenario.renew, .initReboot]) func leaseScenariosPrepareThenConfirm(scenario: Scenario) throws {
        let engine = ExchangeEngine(
            settings: ExchangeSettings(scenario: scenario, subscribers: 1, timeoutNanoseconds: 1_000))
        let outbox = Outbox()
        #expect(engine.beginPreparation() == 1)
        try Self.dora(engine, outbox)
        engine.beginMeasurement()
        #expect(engine.completed == 0)
        #expect(engine.startExchange(now: 0, send: outbox.send))
        let query = try #require(try outbox.take().first)
        let message = try #require(query.dhcpv4)
        #expect(message.messageType == .request)
        #expect(message.option(.serverIdentifier) == nil)
        #expect(message.option(.portParams) == [6, 6, 0x14, 0])
        if scenario == .renew {
            #expect(message.header.ciaddr == Self.address)
            #expect(query.flags == DHCPv4QueryView.unicastFlag)
        } else {
            #expect(message.header.ciaddr == .zero)
            #expect(message.option(.requestedAddress) == [198, 51, 100, 7])
            #expect(query.flags == 0)
        }
        engine.receive(FakeServer.reply(to: query, .ack, yiaddr: Self.address, portParams: Self.params), outbox: outbox)
        #expect(engine.completed == 1)
        #expect(engine.errors.allSatisfy { $0.1 == 0 })
    }

    @Test func informationRequestNeedsOption88() throws {
        let engine = Self.engine(.infoRequest, subscribers: 2)
        let outbox = Outbox()
        #expect(engine.startExchange(now: 0, send: outbox.send))
        #expect(engine.startExchange(now: 0, send: outbox.send))
        let queries = try outbox.take()
        engine.receive(FakeServer.informationReply(to: queries[0]), outbox: outbox)
        engine.receive(FakeServer.informationReply(to: queries[1], option88: false), outbox: outbox)
        #expect(engine.completed == 1)
        #expect(engine.count(.missingOption88) == 1)
    }

    @Test func timeoutsRetransmitThenAbandon() throws {
        let engine = Self.engine(.dora, retransmissions: 1)
        let outbox = Outbox()
        #expect(engine.startExchange(now: 0, send: outbox.send))
        let first = try #require(try outbox.take().first?.dhcpv4)
        engine.expire(now: 999, send: outbox.send)
        #expect(outbox.datagrams.isEmpty)
        engine.expire(now: 1_000, send: outbox.send)
        let again = try #require(try outbox.take().first?.dhcpv4)
        #expect(again == first, "a retransmission repeats the query, xid included")
        #expect(engine.retransmissions == 1)
        #expect(engine.count(.timeout) == 1)
        engine.expire(now: 2_000, send: outbox.send)
        #expect(outbox.datagrams.isEmpty)
        #expect(engine.count(.timeout) == 2)
        #expect(engine.count(.abandoned) == 1)
        #expect(engine.active == 0)
        #expect(engine.idle == 1, "the subscriber can start again")
        #expect(engine.sent == 2)
    }
}
