import PortLeasePerfCore
import Testing

struct RateControllerTests {
    @Test func startsWhatIsDueAndNeverMakesUpSkippedTime() {
        var rate = RateController(rate: 1000, start: 1_000_000_000)
        #expect(rate.take(at: 1_000_000_000) == 0)
        #expect(rate.take(at: 1_000_500_000) == 0)
        #expect(rate.take(at: 1_001_000_000) == 1)
        #expect(rate.take(at: 1_001_000_000) == 0)
        #expect(rate.take(at: 1_010_000_000) == 9)
        #expect(rate.take(at: 2_000_000_000) == 990)
        #expect(rate.issued == 1000)
        rate.restart(at: 3_000_000_000)
        #expect(rate.take(at: 3_002_000_000) == 2)
        #expect(rate.take(at: 2_000_000_000) == 0, "time before the start owes nothing")
    }
}

struct PerfReportTests {
    static let report = PerfReport(
        scenario: "dora", roundTrips: 2, load: "window 64", seconds: 2, started: 1010, completed: 1000, failed: 4,
        unfinished: 6,
        sent: 2100, received: 2050, retransmissions: 3, errors: PerfError.allCases.map { ($0, $0 == .nak ? 4 : 0) },
        exchangeLatency: .init(p50: 120.5, p90: 200, p99: 900.25, p999: 1500, max: 2000, count: 1000),
        roundTripLatency: .init(p50: 60, p90: 100, p99: 450, p999: 750, max: 1000, count: 2000),
        cpuUser: 300_000, cpuSystem: 200_000, leasesHeld: 1000)

    @Test func derivedNumbers() {
        #expect(Self.report.exchangesPerSecond == 500)
        #expect(Self.report.cpuPerExchange == 500)
        #expect(Self.report.errorTotal == 4)
    }

    @Test func textNamesEveryNonZeroError() {
        let text = Self.report.text
        #expect(text.contains("rate: 500 exchanges/s (1000 round trips/s)"))
        #expect(text.contains("errors: nak 4"))
        #expect(text.contains("p99 900.3"))
    }

    @Test func jsonHasTheFieldsScriptsRead() {
        let json = Self.report.json
        #expect(json.hasPrefix("{\"scenario\":\"dora\""))
        #expect(json.contains("\"exchanges_per_second\":500.0"))
        #expect(json.contains("\"round_trips_per_exchange\":2.00"))
        #expect(json.contains("\"latency_exchange_us\":{\"p50\":120.5,\"p90\":200.0,\"p99\":900.3"))
        #expect(json.contains("\"cpu_us_per_exchange\":500.000"))
        #expect(json.contains("\"nak\":4"))
        #expect(json.hasSuffix("}}"))
    }

    @Test func fixedFormatting() {
        #expect(PerfReport.fixed(0.05, 1) == "0.1")
        #expect(PerfReport.fixed(12.345, 2) == "12.35")
        #expect(PerfReport.fixed(-1.5, 0) == "-2")
        #expect(PerfReport.fixed(7, 3) == "7.000")
    }
}
