import Foundation
import PortLeaseTestSupport
import Testing

/// Overload against a real `portlease serve` (issue 17): a DISCOVER flood beyond what its
/// workers can answer, while bound subscribers renew. Checks behaviour, not timing: the
/// server sheds stale DISCOVERs (the counter moves) and every renewal is answered.
///
/// On a 2-core machine a flood fast enough to outrun a worker also starves the receive
/// thread and the renewing clients of CPU, so the kernel drops their datagrams whatever
/// the server does. The workers are slowed instead (`PORTLEASE_INJECT_FAULT=slow-worker`:
/// 20 ms more per batch, as under a stalling disk), and a 50,000/s flood outruns them.
@Suite(
    .serialized,
    .enabled(if: FileManager.default.fileExists(atPath: "/usr/include/liburing.h"), "liburing is not installed"))
struct OverloadProcessTests {
    @Test(arguments: [1, 2])
    func aDiscoverFloodIsShedWhileRenewalsAreAnswered(workers: Int) throws {
        // A 200 ms budget and a DISCOVER lane of 4,096 (320 ms of a slowed worker's work):
        // the flood's DISCOVERs wait past their 100 ms and are shed, the lane fills and the
        // kernel filter comes on; renewals, served first, never wait that long.
        let pool = #"{ "name": "map", "addresses": ["100.64.0.0/20"], "shared": { "psid-length": 6 } }"#
        let server = try RelayedServer(
            workers: workers, limits: #"{ "discover-rate": "off" }"#, pools: pool, metrics: true,
            members: #""queue-delay-budget": 200, "queue-depth": 4096,"#,
            environment: ["PORTLEASE_INJECT_FAULT": "slow-worker"])
        defer { server.stop() }
        #expect(server.started, "\(server.process.log)")

        // 50 relayed subscribers get leases, then renew 100 times a second for 4 s.
        let reportPath = NSTemporaryDirectory() + "portlease-renewals-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: reportPath) }
        let renewals = try UnmaskedProcess(
            [
                DiscoverFloodProcessTests.perf, "run", "--port", "\(server.port)", "--scenario", "renew",
                "--relays", "1", "--subscribers", "50", "--rate", "100", "--duration", "4", "--json",
            ], outputPath: reportPath)
        var output: String { (try? String(contentsOfFile: reportPath, encoding: .utf8)) ?? "" }
        #expect(ServeProcess.poll(seconds: 20) { output.contains("prepared:") }, "\(output)")

        let flood = try CapturedRun.run(
            DiscoverFloodProcessTests.perf,
            ["flood", "--port", "\(server.port)", "--source", "::1", "--rate", "50000", "--duration", "2"],
            seconds: 60)
        #expect(flood.status == 0, "\(flood.errors)")
        let status = renewals.wait(seconds: 60)
        // Progress lines on standard error, then the report: the JSON object is the last line.
        let json = output.split(separator: "\n").last(where: { $0.hasPrefix("{") }).map(String.init) ?? output
        #expect(status == 0, "\(output)")

        let metrics = server.metrics
        let stale =
            DiscoverFloodProcessTests.metric(
                metrics, #"portlease_datagrams_dropped_total{reason="stale-discover"}"#) ?? 0
        #expect(stale > 0, "the flood's DISCOVERs were shed as stale\n\(metrics)")
        // Every renewal was answered (with the generator's retransmissions, if one was lost).
        let parsed = try #require(
            try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "\(json)")
        let completed = parsed["completed"] as? Int ?? 0
        #expect(completed >= 200, "renewals answered during the flood: \(json)")
        #expect(parsed["failed"] as? Int == 0, "no renewal failed: \(json)")
        #expect(DiscoverFloodProcessTests.metric(metrics, #"portlease_datagrams_dropped_total{reason="stale"}"#) == 0)
        let filtered = DiscoverFloodProcessTests.metric(metrics, "portlease_discover_kernel_filter_attached_total") ?? 0
        #expect(filtered >= 1, "the full DISCOVER lane moved shedding into the kernel\n\(metrics)")
    }

    /// Clients that retransmit every 4 ms at a server whose worker takes 20 ms more per
    /// batch: a retransmission of a query still waiting is absorbed into it (counted as
    /// `duplicate`) instead of queuing twice, and every exchange still completes.
    @Test func retransmissionsOfAWaitingQueryAreAbsorbed() throws {
        let pool = #"{ "name": "map", "addresses": ["100.64.0.0/24"], "shared": { "psid-length": 6 } }"#
        let server = try RelayedServer(
            workers: 1, limits: #"{ "discover-rate": "off" }"#, pools: pool, metrics: true,
            environment: ["PORTLEASE_INJECT_FAULT": "slow-worker"])
        defer { server.stop() }
        #expect(server.started, "\(server.process.log)")
        let result = try CommandLineTests.run(
            [
                "run", "--port", "\(server.port)", "--scenario", "dora", "--relays", "1", "--subscribers", "20",
                "--window", "20", "--exchanges", "200", "--timeout", "0.004", "--retransmissions", "100", "--json",
                "--quiet",
            ], executable: DiscoverFloodProcessTests.perf)
        let parsed = try #require(
            try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any], "\(result.output)")
        #expect(parsed["completed"] as? Int == 200, "\(result.output)")
        #expect((parsed["retransmissions"] as? Int ?? 0) > 0, "the clients did retransmit: \(result.output)")
        let duplicates =
            DiscoverFloodProcessTests.metric(
                server.metrics, #"portlease_datagrams_dropped_total{reason="duplicate"}"#) ?? 0
        #expect(duplicates > 0, "retransmissions of waiting queries were absorbed\n\(server.metrics)")
    }
}
