import Foundation
import LeaseLog
import Logging
import PortLeaseServer
import PortLeaseTransport
import PortLeaseWire
import Testing

/// Compaction inside the running server: segments sealed by age are folded by the
/// `LogMaintenance` thread while clients are served; the metrics say so, and a trace of a
/// released lease answers from the history afterwards.
@Suite(
    .enabled(
        if: IORingSupport.check() == nil, "io_uring is unavailable here: \(IORingSupport.check().map { "\($0)" } ?? "")"
    ))
struct LogMaintenanceTests {
    /// Polls `condition` until it holds or `seconds` pass (the server works on its own threads).
    private func eventually(within seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(20_000)
        }
        return try condition()
    }

    @Test func theRunningServerCompactsItsLogAndReportsIt() throws {
        try withTemporaryDirectory { directory in
            var settings = ServerEndToEndTests.settings(directory)
            settings.workers = 1
            settings.leaseLogOptions = LeaseLog.Options(segmentMaxAge: 50)
            settings.maintenance = LogMaintenance.Settings(interval: 50, retentionDays: 180)
            let server = Server(settings: settings, logger: Logger(label: "compaction"))
            try server.start()
            defer {
                server.stop()
                server.wait()
            }
            let client = try UDPTestClient()
            var leases: [(WireClient, DHCPv4Message)] = []
            for number in 1...6 {
                let wire = WireClient(number: number)
                let ack = try #require(try ServerEndToEndTests.dora(wire, via: client, server: server))
                #expect(ack.messageType == .ack)
                leases.append((wire, ack))
            }
            // A release: its holding must reach the history once compaction has run.
            let (released, ack) = leases[0]
            client.send(
                released.datagram(
                    released.dhcpv4(
                        .release, serverIdentifier: ServerFixtures.serverID, ciaddr: ack.header.yiaddr,
                        portParams: ack.option(.portParams)), unicast: true),
                toPort: server.port)
            // A later exchange commits after the release, so a segment holding it gets sealed by age.
            let statistics = try #require(server.maintenance?.statistics.first)
            let compacted = try eventually(within: 20) {
                _ = try ServerEndToEndTests.dora(WireClient(number: 7), via: client, server: server)
                // A first pass may seal a segment from before the release: wait for the one with it.
                return statistics.compactions > 0 && statistics.historyHoldings > 0
                    && FileManager.default.fileExists(atPath: directory + "/shard-0/history")
            }
            #expect(compacted, "no compaction with the released holding within 20 s")
            #expect(FileManager.default.fileExists(atPath: directory + "/shard-0/snapshot"))

            let history = LeaseHistory(directory: directory + "/shard-0")
            let holdings = try history.holdings(of: ack.header.yiaddr)
            let key = ClientKey(kind: .clientIdentifier, bytes: released.clientIdentifier)
            #expect(holdings.contains { $0.ended == .release && $0.clientKey == key })
            let port = try #require(server.metricsEndpoint?.port)
            let metrics = try MetricsEndpointTests().fetch("/metrics", port: port)
            #expect(metrics.contains("# TYPE portlease_log_compactions_total counter"))
            #expect(metrics.contains("portlease_history_holdings{shard=\"0\"} 1"))
            #expect(!metrics.contains("portlease_log_compactions_total{shard=\"0\"} 0\n"))
        }
    }
}
