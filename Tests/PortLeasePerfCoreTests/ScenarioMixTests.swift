import PortLeasePerfCore
import PortLeaseWire
import Testing

struct ScenarioMixTests {
    @Test func weightsAreInterleavedEvenly() throws {
        let mix = try ScenarioMix(parsing: "dora:2,info-request:1")
        #expect((0..<6).map(mix.scenario(at:)) == [.dora, .infoRequest, .dora, .dora, .infoRequest, .dora])
        #expect(mix.description == "dora:2,info-request:1")
        #expect(abs(mix.roundTrips - 5.0 / 3) < 1e-9)
        #expect(!mix.needsLease)
        let counts = (0..<100).map(try ScenarioMix(parsing: "dora:70,renew:20,init-reboot:10").scenario(at:))
        #expect(counts.filter { $0 == .dora }.count == 70)
        #expect(counts.filter { $0 == .renew }.count == 20)
        #expect(try ScenarioMix(parsing: "renew:1").needsLease)
    }

    @Test(arguments: ["", "dora", "dora:0", "dora:x", "nope:3", "echo:1", "dora:1,dora:2"])
    func badMixesAreRefused(text: String) {
        #expect(throws: MixError.self) { try ScenarioMix(parsing: text) }
    }

    @Test func aMixedEngineRunsEachExchangeAsItsScenario() throws {
        let engine = ExchangeEngine(
            settings: ExchangeSettings(
                scenario: .dora, subscribers: 2, timeoutNanoseconds: 1_000,
                mix: try ScenarioMix(parsing: "dora-release:1,info-request:1")))
        engine.beginMeasurement()
        let outbox = Outbox()
        #expect(engine.startExchange(now: 0, send: outbox.send))
        #expect(engine.startExchange(now: 0, send: outbox.send))
        let queries = try outbox.take()
        #expect(queries[0].dhcpv4?.messageType == .discover)
        #expect(queries[1].dhcpv4 == nil, "the second is an Information-Request")
        engine.receive(FakeServer.informationReply(to: queries[1]), outbox: outbox)
        engine.receive(FakeServer.reply(to: queries[0], .offer, yiaddr: IPv4Address(10, 0, 0, 5)), outbox: outbox)
        let request = try #require(try outbox.take().first)
        engine.receive(FakeServer.reply(to: request, .ack, yiaddr: IPv4Address(10, 0, 0, 5)), outbox: outbox)
        #expect(try outbox.take().first?.dhcpv4?.messageType == .release, "dora-release releases")
        #expect(engine.completed == 2)
        #expect(engine.errors.allSatisfy { $0.1 == 0 })
    }
}
