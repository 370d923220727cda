import Foundation
import PortLeaseTestSupport
import Testing

/// The `portlease` binary as an operator runs it, as a child process.
@Suite struct CommandLineTests {
    /// `portlease`, built next to the test bundle because this target depends on it.
    /// The `portlease` under test: the one built beside this test bundle, or
    /// `PORTLEASE_BINARY` (to run the end-to-end suites against a release build).
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["PORTLEASE_BINARY"], !path.isEmpty { return path }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("portlease").path
    }

    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    struct Result {
        var status: Int32
        var output: String
        var errors: String
    }

    @discardableResult
    static func run(_ arguments: [String], in directory: String? = nil, executable: String = binary) throws -> Result {
        let result = try CapturedRun.run(executable, arguments, in: directory)
        return Result(status: result.status, output: result.output, errors: result.errors)
    }

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "portlease-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func checkConfigAcceptsEveryShippedConfiguration() throws {
        let files = try FileManager.default.contentsOfDirectory(
            atPath: Self.repository.appendingPathComponent("Config").path
        )
        // Every JSON file but the Grafana dashboard (GrafanaDashboardTests) is a configuration.
        .filter { $0.hasSuffix(".json") && $0 != "grafana-dashboard.json" }
        #expect(files.count >= 6)
        for file in files {
            let result = try Self.run(["check-config", Self.repository.appendingPathComponent("Config/\(file)").path])
            #expect(result.status == 0, "\(file): \(result.errors)")
            #expect(result.output.contains("OK"))
        }
    }

    @Test func checkConfigWarnsOfAPoolThatCanNeverServeAndStillSaysOK() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let shadowed = """
            { "server-id": "192.0.2.1", "lease-log": { "directory": "/tmp/x" },
              "pools": [
                { "name": "map", "addresses": ["198.51.100.0/24"], "shared": {} },
                { "name": "all", "addresses": ["203.0.113.0/24"], "match": { "client-prefixes": ["::/0"] } } ] }
            """
        let path = directory + "/shadowed.json"
        try shadowed.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try Self.run(["check-config", path])
        #expect(result.status == 0)
        #expect(result.output.contains("OK"))
        #expect(result.errors.contains("warning: pools[0]: pool \"map\" can never serve anyone"), "\(result.errors)")
    }

    @Test func checkConfigReportsEveryProblemOfABrokenFile() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let broken = """
            { "listen": { "port": 547, "adresses": ["::"] }, "lease-log": { "directory": "/tmp/x" },
              "pools": [
                { "name": "a", "addresses": ["198.51.100.0/24"], "shared": { "psid-offset": 6, "psid-length": 11, "reserved-ports": ["0-70000"] } },
                { "name": "b", "addresses": ["198.51.100.128-198.51.100.200"] } ] }
            """
        let path = directory + "/broken.json"
        try broken.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try Self.run(["check-config", path])
        #expect(result.status == 1)
        for expected in ["server-id", "listen.adresses", "pools[0].shared.psid-length", "reserved-ports", "overlap"] {
            #expect(result.errors.contains(expected), "missing \(expected) in:\n\(result.errors)")
        }
        let notJSON = directory + "/not.json"
        try "{ nope".write(toFile: notJSON, atomically: true, encoding: .utf8)
        #expect(try Self.run(["check-config", notJSON]).status == 1)
        #expect(try Self.run(["check-config", directory + "/missing.json"]).status == 1)
    }

    /// SIGTERM while clients are being served: the server exits 0, and after a
    /// restart every lease whose ACK a client saw is in the log.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/include/liburing.h"), "liburing is not installed"))
    func sigtermDuringLoadLosesNoAcknowledgedLease() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = TestPorts.take()
        let configuration = """
            { "server-id": "192.0.2.1", "listen": { "addresses": ["::1"], "port": \(port) },
              "dhcp4o6-server-addresses": ["::1"], "workers": 2,
              "lease-log": { "directory": "\(directory)/log" },
              "pools": [ { "name": "map", "addresses": ["198.51.100.0/28"], "shared": { "psid-length": 6 } } ] }
            """
        let path = directory + "/server.json"
        try configuration.write(toFile: path, atomically: true, encoding: .utf8)
        let server = try ServeProcess(config: path, logPath: directory + "/server.log")
        #expect(server.waitFor("portlease started"), "\(server.log)")
        var acknowledged: [String] = []
        for id in 1...32 {
            if id == 30 { kill(server.process.processIdentifier, SIGTERM) }  // the last few race the shutdown
            let result = try Self.run(["client", "--server", "::1", "--port", "\(port)", "--id", "\(id)"])
            if result.status == 0,
                let line = result.output.split(separator: "\n").first(where: { $0.hasPrefix("lease: ") })
            {
                acknowledged.append(String(line.dropFirst("lease: ".count).split(separator: " ").first!))
            }
        }
        #expect(server.waitForExit(seconds: 30) == 0, "\(server.log)")
        #expect(acknowledged.count >= 25)
        let leases = try Self.run(["leases", "--log-dir", directory + "/log"])
        #expect(leases.status == 0)
        for address in acknowledged {
            #expect(leases.output.contains(address + "  "), "ACKed \(address) missing from the log")
        }
        #expect(leases.output.split(separator: "\n").count == acknowledged.count)
    }
}
