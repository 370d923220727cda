import Foundation
import Testing

/// Compaction as `portlease serve` runs it: a real server process, real UDP sockets, leases
/// obtained with `portlease client`; the log is compacted by the running server (metrics say
/// so, a snapshot appears), and `portlease trace` and `portlease leases` (other processes)
/// answer from it.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: "/usr/include/liburing.h"), "liburing is not installed"))
struct CompactionProcessTests {
    @Test func theServerCompactsWhileServingAndTheToolsAnswerFromTheResult() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (holder, metricsPort) = try LoopbackTCP.listen()
        close(holder)
        let port = FailurePolicyTests.port()
        let logDirectory = directory + "/log"
        let configuration = """
            { "server-id": "192.0.2.1", "listen": { "addresses": ["::1"], "port": \(port) },
              "dhcp4o6-server-addresses": ["::1"], "workers": 1,
              "lease-log": { "directory": "\(logDirectory)", "compaction-interval": 1 },
              "metrics": { "listen": "127.0.0.1:\(metricsPort)" },
              "pools": [ { "name": "map", "addresses": ["198.51.100.0/24"], "shared": { "psid-length": 6 } } ] }
            """
        try configuration.write(toFile: directory + "/server.json", atomically: true, encoding: .utf8)
        let server = try ServeProcess(config: directory + "/server.json", logPath: directory + "/server.log")
        defer { server.stop() }
        #expect(server.waitFor("portlease started"), "\(server.log)")

        let first = try CommandLineTests.run(["client", "--server", "::1", "--port", "\(port)", "--id", "1"])
        #expect(first.status == 0, "\(first.errors)")
        // "lease: 198.51.100.0 port set offset 6 psid-len 6 psid 0 for 3600 s"
        let lease = try #require(first.output.split(separator: "\n").first { $0.hasPrefix("lease: ") })
        let address = String(lease.split(separator: " ")[1])
        // Segments are sealed by age at a commit: keep clients coming until a pass has run.
        var id = 2
        let compacted = ServeProcess.poll(seconds: 20) {
            _ = try? ServeProcess.dora(port: port, id: id)
            id += 1
            let metrics = LoopbackTCP.get(port: metricsPort) ?? ""
            return metrics.contains("portlease_log_compactions_total{shard=\"0\"}")
                && !metrics.contains("portlease_log_compactions_total{shard=\"0\"} 0\n")
        }
        #expect(compacted, "no compaction reported within 20 s")
        #expect(FileManager.default.fileExists(atPath: logDirectory + "/shard-0/snapshot"))

        // PSID 0 of length 6 at offset 6 holds ports 1024-1039.
        let now = Int(Date().timeIntervalSince1970)
        let trace = try CommandLineTests.run([
            "trace", "--log-dir", logDirectory, "--address", address, "--port", "1030", "--at", "\(now)",
        ])
        #expect(trace.status == 0, "\(trace.errors)")
        #expect(
            trace.output.contains("\(address):1030") && trace.output.contains("held, lease until"), "\(trace.output)")
        let leases = try CommandLineTests.run(["leases", "--log-dir", logDirectory, "--address", address])
        #expect(leases.status == 0, "\(leases.errors)")
        #expect(leases.output.contains("psid 0/6"), "\(leases.output)")
    }
}
