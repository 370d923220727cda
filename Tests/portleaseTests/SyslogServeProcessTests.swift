import Foundation
import Testing

/// The syslog feed as `portlease serve` runs it (`"history": {"syslog": ...}`): a lease
/// obtained with `portlease client` arrives at a UDP collector as a HOLDING-START message, and
/// the feed's counters are on the metrics endpoint. The message format itself is checked
/// against rsyslog in `PortLeaseHistoryTests`.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: "/usr/include/liburing.h"), "liburing is not installed"))
struct SyslogServeProcessTests {
    @Test func aLeaseTheServerGrantsReachesTheCollectorAsAHoldingStart() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let collectorPort = FailurePolicyTests.port()
        let collector = try UDPProbe(address: "::1", port: collectorPort, timeoutMilliseconds: 500)
        let (holder, metricsPort) = try LoopbackTCP.listen()
        close(holder)
        let port = FailurePolicyTests.port()
        let configuration = """
            { "server-id": "192.0.2.1", "listen": { "addresses": ["::1"], "port": \(port) },
              "dhcp4o6-server-addresses": ["::1"], "workers": 1,
              "lease-log": { "directory": "\(directory)/log" },
              "metrics": { "listen": "127.0.0.1:\(metricsPort)" },
              "history": { "instance": "edge-1",
                           "syslog": { "host": "::1", "port": \(collectorPort), "hostname": "pl-test", "facility": 20 } },
              "pools": [ { "name": "map", "addresses": ["198.51.100.0/24"], "shared": { "psid-length": 6 } } ] }
            """
        try configuration.write(toFile: directory + "/server.json", atomically: true, encoding: .utf8)
        let server = try ServeProcess(config: directory + "/server.json", logPath: directory + "/server.log")
        defer { server.stop() }
        #expect(server.waitFor("syslog feed started"), "\(server.log)")

        // The feed starts at what is committed when it starts: lease until a message arrives.
        var leased: [String] = []
        var datagram: [UInt8]?
        for id in 1...20 where datagram == nil {
            let result = try CommandLineTests.run(["client", "--server", "::1", "--port", "\(port)", "--id", "\(id)"])
            #expect(result.status == 0, "\(result.errors)")
            // "lease: 198.51.100.0 port set offset 6 psid-len 6 psid 0 for 3600 s"
            if let line = result.output.split(separator: "\n").first(where: { $0.hasPrefix("lease: ") }) {
                leased.append(String(line.split(separator: " ")[1]))
            }
            datagram = collector.receive()
        }
        let text = String(decoding: try #require(datagram, "no syslog message; \(server.log)"), as: UTF8.self)
        let fields = text.split(separator: " ", maxSplits: 6).map(String.init)
        try #require(fields.count == 7, "\(text)")
        #expect(fields[0] == "<166>1", "facility 20, informational")
        #expect(fields[1].hasSuffix("Z") && fields[1].count == 24, "\(fields[1])")
        #expect(fields[2] == "pl-test" && fields[3] == "portlease" && fields[5] == "HOLDING-START")
        #expect(fields[4] == "\(server.process.processIdentifier)")
        #expect(fields[6].hasPrefix("[holding@32473 instance=\"edge-1\" client=\"id:"), "\(text)")
        #expect(
            leased.contains { fields[6].contains(" address=\"\($0)\" psid-offset=\"6\" psid-length=\"6\" ") }, "\(text)"
        )
        #expect(text.utf8.count <= 2048)
        // Counted once the send completes, which may be just after the datagram arrived.
        var metrics = ""
        let counted = ServeProcess.poll(seconds: 10) {
            metrics = LoopbackTCP.get(port: metricsPort) ?? ""
            return metrics.contains("portlease_syslog_sent_total ")
                && !metrics.contains("portlease_syslog_sent_total 0\n")
        }
        #expect(counted, "\(metrics)")
        #expect(metrics.contains("# TYPE portlease_syslog_sent_total counter"), "\(metrics)")
        #expect(metrics.contains("portlease_syslog_dropped_total 0\n"), "\(metrics)")
    }
}
