import Foundation
import PortLeaseTestSupport
import Testing

/// A DISCOVER flood against a real `portlease serve` with 2 and 4 workers: 20,000
/// DISCOVERs with fresh client identifiers from one source (`portlease-perf flood`).
/// The default `discover-rate` lets that source reserve only its allowance of port
/// sets, and a client elsewhere still gets a lease.
@Suite(
    .serialized,
    .enabled(if: FileManager.default.fileExists(atPath: "/usr/include/liburing.h"), "liburing is not installed"))
struct DiscoverFloodProcessTests {
    static var perf: String {
        URL(fileURLWithPath: CommandLineTests.binary).deletingLastPathComponent().appendingPathComponent(
            "portlease-perf"
        ).path
    }

    static func metric(_ text: String, _ name: String) -> Int? {
        text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Int($0.split(separator: " ")[1]) }
    }

    @Test(arguments: [2, 4])
    func aFloodFromOneSourceReservesOnlyItsAllowance(workers: Int) throws {
        let pool = #"{ "name": "map", "addresses": ["198.51.100.0/26"], "shared": { "psid-length": 6 } }"#
        let server = try RelayedServer(workers: workers, pools: pool, metrics: true)
        defer { server.stop() }
        #expect(server.started, "\(server.process.log)")
        let port = server.port

        let started = Date()
        let flood = try CapturedRun.run(
            Self.perf, ["flood", "--port", "\(port)", "--source", "::1", "--rate", "20000", "--duration", "1"],
            seconds: 60)
        let report = flood.output + flood.errors
        let seconds = Date().timeIntervalSince(started)
        #expect(flood.status == 0, "\(report)")

        // Every DISCOVER was either admitted (then offered) or dropped by the rate.
        var metrics = ""
        let settled = ServeProcess.poll(seconds: 10) {
            metrics = server.metrics
            let dropped = Self.metric(metrics, #"portlease_datagrams_dropped_total{reason="discover-rate"}"#) ?? 0
            let offers = Self.metric(metrics, #"portlease_replies_total{type="offer"}"#) ?? 0
            return dropped + offers >= 19_000
        }
        #expect(settled, "\(report)\n\(metrics)")
        // The burst of 50, then 10 a second for as long as the flood lasted.
        let used = Self.metric(metrics, #"portlease_port_sets{pool="map",psid_length="6",state="used"}"#) ?? -1
        #expect(used >= 50 && used <= 50 + 10 * (Int(seconds) + 1), "\(used) port sets held by the flood")
        // A client at another site is served.
        #expect(try RelayedClient(id: 1, peer: "2001:db8:77::1").lease(port: port) != nil)
    }
}
