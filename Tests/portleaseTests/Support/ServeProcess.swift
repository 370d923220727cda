import Foundation
import Testing

/// A `portlease serve` child process whose log (standard error) goes to a file the
/// test reads; every wait polls for a condition and gives up after a deadline.
final class ServeProcess {
    let process = Process()
    let logPath: String

    /// Starts `portlease serve --config config`, in network namespace `namespace` if given
    /// (`ip netns exec` execs the server, so the process is the server itself).
    init(config: String, logPath: String, environment: [String: String] = [:], namespace: String? = nil) throws {
        self.logPath = logPath
        FileManager.default.createFile(atPath: logPath, contents: nil)
        if let namespace {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            process.arguments = ["netns", "exec", namespace, CommandLineTests.binary, "serve", "--config", config]
        } else {
            process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
            process.arguments = ["serve", "--config", config]
        }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try process.run()
    }

    /// What the server has logged so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Polls `condition` every 50 ms until it holds or `seconds` pass.
    static func poll(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return condition()
    }

    /// True once the log contains `text` (false after `seconds`).
    func waitFor(_ text: String, seconds: Double = 10) -> Bool {
        Self.poll(seconds: seconds) { log.contains(text) }
    }

    /// The exit status once the process has exited, nil if it is still running after
    /// `seconds` (it is then killed).
    func waitForExit(seconds: Double = 10) -> Int32? {
        guard Self.poll(seconds: seconds, { !process.isRunning }) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        process.waitUntilExit()
        return process.terminationReason == .exit ? process.terminationStatus : -process.terminationStatus
    }

    /// SIGKILL, and wait: a crash, or a machine that died.
    func kill9() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// SIGTERM if still running (and SIGCONT, for one a test stopped), and wait. A server
    /// that has not ended 30 s later fails the test and is killed: a graceful shutdown that
    /// hangs must not hang the whole test run.
    func stop() {
        guard process.isRunning else { return process.waitUntilExit() }
        kill(process.processIdentifier, SIGTERM)
        kill(process.processIdentifier, SIGCONT)
        if Self.poll(seconds: 30, { !process.isRunning }) { return process.waitUntilExit() }
        Issue.record("portlease serve did not end within 30 s of SIGTERM; killed. Its log ends: \(log.suffix(2000))")
        kill9()
    }

    /// A configuration for one shared pool on `::1`, the log in `logDirectory`.
    static func configuration(
        port: UInt16, logDirectory: String, metricsPort: UInt16? = nil, segmentSize: Int? = nil
    ) -> String {
        let metrics = metricsPort.map { #", "metrics": { "listen": "127.0.0.1:\#($0)" }"# } ?? ""
        let segment = segmentSize.map { #", "segment-size": \#($0)"# } ?? ""
        return """
            { "server-id": "192.0.2.1", "listen": { "addresses": ["::1"], "port": \(port) },
              "dhcp4o6-server-addresses": ["::1"], "workers": 1,
              "lease-log": { "directory": "\(logDirectory)"\(segment) }\(metrics),
              "pools": [ { "name": "map", "addresses": ["198.51.100.0/24"], "shared": { "psid-length": 6 } } ] }
            """
    }

    /// One DORA through `portlease client`; true when an ACK came back.
    static func dora(port: UInt16, id: Int) throws -> Bool {
        let result = try CommandLineTests.run(["client", "--server", "::1", "--port", "\(port)", "--id", "\(id)"])
        return result.status == 0 && result.output.contains("lease: ")
    }
}
