import PortLeasePerfCore
import PortLeaseWire
import Testing

/// RFC 2131 retransmission, starting over after a failure, and the storm's schedule (issue 17).
struct StormTests {
    static let second: UInt64 = 1_000_000_000

    static func engine(
        backoff: ExchangeSettings.Backoff = .rfc2131, retransmissions: Int = 6, restart: Bool = false,
        subscribers: Int = 1
    ) -> ExchangeEngine {
        var settings = ExchangeSettings(
            scenario: .dora, subscribers: subscribers, timeoutNanoseconds: 1_000, retransmissions: retransmissions)
        settings.backoff = backoff
        settings.restartAfterFailure = restart
        let engine = ExchangeEngine(settings: settings)
        engine.beginMeasurement()
        return engine
    }

    /// Steps the clock 10 ms at a time and returns when each retransmission went out (seconds).
    static func retransmissionTimes(_ engine: ExchangeEngine, until end: UInt64) -> [Double] {
        let outbox = Outbox()
        var times: [Double] = []
        var now: UInt64 = 0
        while now <= end {
            engine.expire(now: now, send: outbox.send)
            if !outbox.datagrams.isEmpty {
                times.append(Double(now) / Double(second))
                outbox.datagrams.removeAll()
            }
            now += 10_000_000
        }
        return times
    }

    @Test func rfc2131BackoffDoublesFromFourSecondsToSixtyFourWithAJitterOfOneSecond() throws {
        let engine = Self.engine()
        let outbox = Outbox()
        #expect(engine.startExchange(now: 0, send: outbox.send))
        let times = Self.retransmissionTimes(engine, until: 260 * Self.second)
        #expect(times.count == 6, "six retransmissions, then the exchange is abandoned")
        let gaps = zip([0] + times, times).map { $1 - $0 }
        for (gap, base) in zip(gaps, [4.0, 8, 16, 32, 64, 64]) {
            #expect(gap >= base - 1.01 && gap <= base + 1.01, "waited \(gap) s where RFC 2131 says \(base) ± 1 s")
        }
        #expect(engine.count(.abandoned) == 1)
    }

    @Test func theJitterIsSpreadOverTheWholeSecondEitherSide() {
        let engine = Self.engine(retransmissions: 1, subscribers: 400)
        let outbox = Outbox()
        for _ in 0..<400 { #expect(engine.startExchange(now: 0, send: outbox.send)) }
        outbox.datagrams.removeAll()
        // Count the first retransmissions per half-second step between 3 s and 5 s.
        var buckets: [Int] = []
        var previous = 0
        for step in 6...10 {
            engine.expire(now: UInt64(step) * Self.second / 2, send: outbox.send)
            buckets.append(engine.retransmissions - previous)
            previous = engine.retransmissions
        }
        #expect(buckets[0] == 0, "none before 3 s")
        #expect(buckets[1...].allSatisfy { $0 > 50 }, "each half second from 3 to 5 s has its share: \(buckets)")
        #expect(engine.retransmissions == 400)
    }

    @Test func aFailedExchangeStartsOverWithANewDiscover() throws {
        let engine = Self.engine(backoff: .fixed, retransmissions: 0, restart: true)
        let outbox = Outbox()
        #expect(engine.startExchange(now: 0, send: outbox.send))
        let first = try #require(try outbox.take().first?.dhcpv4)
        engine.expire(now: 1_000, send: outbox.send)
        #expect(engine.count(.abandoned) == 1)
        #expect(engine.active == 0)
        #expect(engine.idle == 0, "not idle: waiting to start over")
        #expect(engine.restartFailed(now: 1_000, send: outbox.send) == 1)
        let again = try #require(try outbox.take().first?.dhcpv4)
        #expect(again.messageType == .discover)
        #expect(again.header.xid != first.header.xid, "a new exchange, a new xid")
        #expect(engine.restarts == 1)
        #expect(engine.active == 1)
    }

    @Test func aStormSubscriberIsStartedByIndexAndStaysBound() throws {
        let engine = ExchangeEngine(
            settings: ExchangeSettings(scenario: .dora, subscribers: 3, timeoutNanoseconds: 1_000))
        engine.beginMeasurement(recycling: false)
        let outbox = Outbox()
        #expect(!engine.startExchange(now: 0, send: outbox.send), "the idle ring is empty")
        #expect(engine.startExchange(2, scenario: .dora, now: 0, send: outbox.send))
        #expect(!engine.startExchange(2, scenario: .dora, now: 0, send: outbox.send), "busy")
        let discover = try #require(try outbox.take().first)
        let address = IPv4Address(198, 51, 100, 9)
        engine.receive(FakeServer.reply(to: discover, .offer, yiaddr: address), outbox: outbox)
        let request = try #require(try outbox.take().first)
        engine.receive(FakeServer.reply(to: request, .ack, yiaddr: address), outbox: outbox)
        #expect(engine.holdsLease(2))
        #expect(engine.completed == 1)
        #expect(engine.idle == 0, "a bound storm subscriber does not go round again")
    }

    @Test func startMomentsAreSortedWithinTheWindowAndReproducible() {
        let storm = StormSettings(window: 60, seed: 7)
        let moments = storm.startMoments(count: 10_000)
        #expect(moments == moments.sorted())
        #expect(moments.allSatisfy { $0 < 60 * Self.second })
        #expect(moments == StormSettings(window: 60, seed: 7).startMoments(count: 10_000))
        #expect(moments != StormSettings(window: 60, seed: 8).startMoments(count: 10_000))
        // Uniform: each tenth of the window has about a tenth of the starts.
        var tenths = [Int](repeating: 0, count: 10)
        for moment in moments { tenths[Int(moment / (6 * Self.second))] += 1 }
        #expect(tenths.allSatisfy { (850...1150).contains($0) }, "\(tenths)")
    }
}
