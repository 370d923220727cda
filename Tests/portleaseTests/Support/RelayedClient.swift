import Foundation

/// `portlease client` acting as a relay agent for one client (a real process, real
/// UDP): the end-to-end probe of matching and per-subscriber limits.
struct RelayedClient {
    var id: Int
    /// The client's IPv6 address (the Relay-forward's peer-address).
    var peer: String
    var linkAddress = "2001:db8:ffff::1"
    var remoteID: String?
    var subscriberID: String?
    var full = false

    /// The `lease: ...` line of a DORA, or nil when the server did not answer.
    func lease(port: UInt16, timeoutMilliseconds: Int = 700) throws -> String? {
        var arguments = [
            "client", "--server", "::1", "--port", "\(port)", "--id", "\(id)", "--relay-peer", peer, "--link-address",
            linkAddress, "--timeout", "\(timeoutMilliseconds)",
        ]
        if let remoteID { arguments += ["--remote-id", remoteID] }
        if let subscriberID { arguments += ["--subscriber-id", subscriberID] }
        if full { arguments.append("--full") }
        let result = try CommandLineTests.run(arguments)
        return result.output.split(separator: "\n").first { $0.hasPrefix("lease: ") }.map(String.init)
    }
}

/// A `portlease serve` process on `::1` with its own directory, UDP port and (optionally)
/// metrics port, for the process suites; ``stop()`` ends it and removes the directory.
final class RelayedServer {
    let directory: String
    let port = FailurePolicyTests.port()
    let metricsPort: UInt16?
    let process: ServeProcess

    /// Starts a server with `workers`, `limits` and `pools` (JSON text); `members` are more
    /// top-level members (JSON text, each followed by a comma); `environment` is added to the process's.
    init(
        workers: Int, limits: String = "{}", pools: String, metrics: Bool = false, members: String = "",
        environment: [String: String] = [:]
    ) throws {
        directory = try CommandLineTests.temporaryDirectory()
        if metrics {
            let (holder, port) = try LoopbackTCP.listen()
            close(holder)
            metricsPort = port
        } else {
            metricsPort = nil
        }
        let metricsMember = metricsPort.map { #", "metrics": { "listen": "127.0.0.1:\#($0)" }"# } ?? ""
        let configuration = """
            { \(members) "server-id": "192.0.2.1", "listen": { "addresses": ["::1"], "port": \(port) },
              "dhcp4o6-server-addresses": ["::1"], "workers": \(workers), "limits": \(limits),
              "lease-log": { "directory": "\(directory)/log", "durability": "none" }\(metricsMember),
              "pools": [ \(pools) ] }
            """
        try configuration.write(toFile: directory + "/server.json", atomically: true, encoding: .utf8)
        process = try ServeProcess(
            config: directory + "/server.json", logPath: directory + "/server.log", environment: environment)
    }

    /// True once the server says it has started (false after 10 s).
    var started: Bool { process.waitFor("portlease started") }

    /// The metrics page now ("" without metrics or when it does not answer).
    var metrics: String { metricsPort.flatMap { LoopbackTCP.get(port: $0) } ?? "" }

    func stop() {
        process.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
