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

    /// A server configuration on `::1`: `workers`, `limits` and `pools` as JSON text.
    static func configuration(
        port: UInt16, directory: String, workers: Int, limits: String = "{}", pools: String, metricsPort: UInt16? = nil
    ) -> String {
        let metrics = metricsPort.map { #", "metrics": { "listen": "127.0.0.1:\#($0)" }"# } ?? ""
        return """
            { "server-id": "192.0.2.1", "listen": { "addresses": ["::1"], "port": \(port) },
              "dhcp4o6-server-addresses": ["::1"], "workers": \(workers), "limits": \(limits),
              "lease-log": { "directory": "\(directory)/log", "durability": "none" }\(metrics),
              "pools": [ \(pools) ] }
            """
    }

    /// Starts `portlease serve` on `configuration` in `directory`; nil (with the log
    /// recorded as an issue by the caller) if it did not start.
    static func serve(_ configuration: String, in directory: String) throws -> ServeProcess {
        try configuration.write(toFile: directory + "/server.json", atomically: true, encoding: .utf8)
        return try ServeProcess(config: directory + "/server.json", logPath: directory + "/server.log")
    }
}
