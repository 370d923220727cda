import Foundation
import Testing

/// SIGHUP: what a running server may change, and what it must refuse.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: "/usr/include/liburing.h"), "liburing is not installed"))
struct ReloadTests {
    static func configuration(port: UInt16, directory: String, pools: String) -> String {
        """
        { "server-id": "192.0.2.1", "listen": { "addresses": ["::1"], "port": \(port) },
          "dhcp4o6-server-addresses": ["::1"], "workers": 1, "lease-log": { "directory": "\(directory)/log" },
          "pools": [ \(pools) ] }
        """
    }

    static let shared =
        #"{ "name": "map", "addresses": ["198.51.100.0/30"], "shared": { "psid-length": 6 }, "valid-lifetime": 3600 }"#
    static let full = #"{ "name": "full", "addresses": ["203.0.113.0/30"], "valid-lifetime": 3600 }"#

    /// Waits until `file` contains `text` (the server logs to it), up to 5 s.
    static func waitFor(_ text: String, in file: String) -> Bool {
        for _ in 0..<50 {
            if let log = try? String(contentsOfFile: file, encoding: .utf8), log.contains(text) { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }

    @Test func aReloadAppliesLifetimesAndRefusesToOrphanLeases() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = TestPorts.take()
        let path = directory + "/server.json"
        let logPath = directory + "/server.log"
        try Self.configuration(port: port, directory: directory, pools: Self.shared + ", " + Self.full)
            .write(toFile: path, atomically: true, encoding: .utf8)
        let server = try ServeProcess(config: path, logPath: logPath)
        defer { server.stop() }
        #expect(Self.waitFor("portlease started", in: logPath))
        let before = try CommandLineTests.run(["client", "--server", "::1", "--port", "\(port)", "--full"])
        #expect(before.output.contains("for 3600 s"))

        // A shorter lifetime is applied without a restart.
        try Self.configuration(
            port: port, directory: directory, pools: Self.shared + ", " + Self.full.replacing("3600", with: "1800")
        ).write(toFile: path, atomically: true, encoding: .utf8)
        kill(server.process.processIdentifier, SIGHUP)
        #expect(Self.waitFor("configuration reloaded", in: logPath))
        #expect(Self.waitFor("configuration applied", in: logPath))
        let after = try CommandLineTests.run(["client", "--server", "::1", "--port", "\(port)", "--full", "--id", "2"])
        #expect(after.output.contains("for 1800 s"), "\(after.output)")

        // Removing the full pool, which holds both leases, is refused; the server keeps serving.
        try Self.configuration(port: port, directory: directory, pools: Self.shared)
            .write(toFile: path, atomically: true, encoding: .utf8)
        kill(server.process.processIdentifier, SIGHUP)
        #expect(Self.waitFor("it would orphan active leases", in: logPath))
        let still = try CommandLineTests.run(["client", "--server", "::1", "--port", "\(port)", "--full", "--id", "3"])
        #expect(still.output.contains("lease: 203.0.113."), "the old configuration stays")

        // A broken file is refused with its problems.
        try "{ \"server-id\": 5 }".write(toFile: path, atomically: true, encoding: .utf8)
        kill(server.process.processIdentifier, SIGHUP)
        #expect(Self.waitFor("the configuration has problems", in: logPath))

        // The same through the control API: refused with the reason (exit 1), then applied,
        // with the keys that wait for a restart named.
        let refused = try CommandLineTests.run(["config", "reload", "--socket", directory + "/log/control/api.sock"])
        #expect(refused.status == 1)
        #expect(refused.output.contains("refused") && refused.output.contains("server-id"), "\(refused.output)")
        try Self.configuration(
            port: port, directory: directory, pools: Self.shared + ", " + Self.full.replacing("3600", with: "900")
        ).replacing("\"workers\": 1", with: "\"workers\": 2").write(toFile: path, atomically: true, encoding: .utf8)
        let applied = try CommandLineTests.run(["config", "reload", "--config", path, "--json"])
        #expect(applied.status == 0, "\(applied.output) \(applied.errors)")
        let outcome = try #require(
            try JSONSerialization.jsonObject(with: Data(applied.output.utf8)) as? [String: Any])
        #expect(outcome["applied"] as? Bool == true && outcome["restartNeeded"] as? [String] == ["workers"])
        let shorter = try CommandLineTests.run([
            "client", "--server", "::1", "--port", "\(port)", "--full", "--id", "4",
        ])
        #expect(shorter.output.contains("for 900 s"), "\(shorter.output)")
    }
}
