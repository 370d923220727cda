import Foundation
import Testing

@testable import portlease

/// Two `portlease serve` partners for pool group g1 (`"map"`, with the standby's reserve
/// `"reserve"`) in network namespaces of their own (`PartnerNetwork`), with certificates of
/// one CA, for `RedundancyProcessTests`.
extension RedundancyProcessTests {
    /// One partner: its directory, configuration and process.
    final class Partner {
        let name: String
        let directory: String
        let network: PartnerNetwork
        var process: ServeProcess?

        let port: UInt16
        let certificates: String
        /// Keys added to `"lease-log"` and to `"redundancy"` (each with a trailing comma).
        let options: Options

        struct Options {
            var leaseLog = ""
            var redundancy = ""
            /// The group's pool `"map"` (PSID length 2: four port sets per address).
            var mapPool = "198.51.100.0/29"
        }

        init(_ name: String, network: PartnerNetwork, port: UInt16, certificates: String, options: Options = .init())
            throws
        {
            self.name = name
            self.network = network
            self.port = port
            self.certificates = certificates
            self.options = options
            directory = try CommandLineTests.temporaryDirectory()
            try configure(active: "a")
        }

        /// Writes the configuration with `active` as g1's active and the other partner as its standby.
        func configure(active: String) throws {
            let other = name == "a" ? "b" : "a"
            let standby = active == "a" ? "b" : "a"
            let configuration = """
                { "server-id": "192.0.2.1", "listen": { "addresses": ["\(PartnerNetwork.address(name))"], "port": \(port) },
                  "dhcp4o6-server-addresses": ["\(PartnerNetwork.address(name))"], "workers": 2,
                  "lease-log": { \(options.leaseLog) "directory": "\(directory)/log", "durability": "fsync" },
                  "redundancy": { \(options.redundancy) "instance": "\(name)", "listen": "[\(PartnerNetwork.address(name))]:8647",
                    "tls": { "certificate-file": "\(certificates)/\(name).pem", "key-file": "\(certificates)/\(name).key",
                             "ca-file": "\(certificates)/ca.pem" },
                    "takeover-after": 3, "heartbeat-interval": 1,
                    "partners": [ { "name": "\(other)", "address": "[\(PartnerNetwork.address(other))]:8647" } ],
                    "pool-groups": [ { "name": "g1", "pools": ["map"], "standby-pools": ["reserve"],
                                       "active": "\(active)", "standby": "\(standby)" } ] },
                  "pools": [ { "name": "map", "addresses": ["\(options.mapPool)"], "valid-lifetime": 3600,
                               "shared": { "psid-offset": 6, "psid-length": 2 } },
                             { "name": "reserve", "addresses": ["203.0.113.0/30"], "valid-lifetime": 3600,
                               "shared": { "psid-offset": 6, "psid-length": 2 } } ] }
                """
            try configuration.write(toFile: directory + "/server.json", atomically: true, encoding: .utf8)
        }

        func start(environment: [String: String] = [:]) throws {
            process = try ServeProcess(
                config: directory + "/server.json", logPath: directory + "/server-\(UUID().uuidString).log",
                environment: environment, namespace: network.namespace(name))
        }

        var log: String { process?.log ?? "" }

        /// This partner's log lines about replication and roles: what a failed expectation
        /// about the pair shows.
        var redundancyLog: String {
            log.split(separator: "\n")
                .filter { line in ["replicat", "standby", "caught up", "group", "link"].contains { line.contains($0) } }
                .suffix(40).joined(separator: "\n")
        }

        /// The bound lease of client `id` as this server's engine holds it: "address psid", or nil.
        func boundLease(of id: Int) throws -> String? {
            let api = ControlClient(socketPath: directory + "/log/control/api.sock")
            let found = try api.send("GET", "/v1/leases?client=\(ReservationProcessTests.clientKey(id: UInt32(id)))")
            guard found.status == 200,
                let body = try JSONSerialization.jsonObject(with: Data(found.body)) as? [String: Any],
                let lease = (body["leases"] as? [[String: Any]])?.first, lease["state"] as? String == "bound",
                let address = lease["address"] as? String, let psid = lease["psid"] as? Int
            else { return nil }
            return "\(address) psid \(psid)"
        }

        /// The lease of client `id` as this server's engine holds it: "address psid", or nil.
        func lease(of id: Int) throws -> String? {
            let api = ControlClient(socketPath: directory + "/log/control/api.sock")
            let found = try api.send("GET", "/v1/leases?client=\(ReservationProcessTests.clientKey(id: UInt32(id)))")
            guard found.status == 200,
                let body = try JSONSerialization.jsonObject(with: Data(found.body)) as? [String: Any],
                let lease = (body["leases"] as? [[String: Any]])?.first,
                let address = lease["address"] as? String, let psid = lease["psid"] as? Int
            else { return nil }
            return "\(address) psid \(psid)"
        }

        /// The state of pool group g1 in `GET /v1/status`, checked against the published schema.
        func groupState() throws -> String? {
            try groupStatus()?["state"] as? String
        }

        /// Pool group g1's entry in `GET /v1/status`, checked against the published schema.
        func groupStatus() throws -> [String: Any]? {
            let api = ControlClient(socketPath: directory + "/log/control/api.sock")
            let body = try JSONSerialization.jsonObject(with: Data(try api.send("GET", "/v1/status").body))
            #expect(try ControlAPIProcessTests.mismatches(body, schema: "Status").isEmpty)
            let groups = (body as? [String: Any])?["redundancy"] as? [[String: Any]]
            return groups?.first { $0["group"] as? String == "g1" }
        }

        func stop() {
            process?.stop()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// A CA and a certificate for each partner it signed, and one of another CA.
    static func makeCertificates(for names: [String] = ["a", "b"]) throws -> String {
        let directory = try CommandLineTests.temporaryDirectory()
        var commands = [
            "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=partners"
        ]
        for name in names {
            commands += [
                "openssl req -newkey rsa:2048 -nodes -keyout \(name).key -out \(name).csr -subj /CN=\(name)",
                "openssl x509 -req -in \(name).csr -CA ca.pem -CAkey ca.key -CAcreateserial -out \(name).pem -days 2",
            ]
        }
        commands.append(
            "openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.pem -days 2 -subj /CN=a")
        for command in commands {
            let result = MulticastNamespaceTests.sh("cd \(directory) && \(command)")
            try #require(result.status == 0, "\(command): \(result.output)")
        }
        return directory
    }

    /// "address psid N" from a `lease: ...` line.
    static func tuple(_ line: String) -> String? {
        guard let match = line.firstMatch(of: /lease: (\S+) port set .* psid (\d+) for/) else { return nil }
        return "\(match.output.1) psid \(match.output.2)"
    }

    /// Retries a DORA (to both servers, or to `to`) until one answers, for at most `seconds`.
    static func lease(
        _ network: PartnerNetwork, id: Int, port: UInt16, seconds: Double = 20, to: [String]? = nil,
        link: String = "2001:db8:ffff::1", secs: Int = 0
    ) throws -> String? {
        var lease: String?
        _ = ServeProcess.poll(seconds: seconds) {
            lease = (try? network.lease(id: id, port: port, to: to, link: link, secs: secs)) ?? nil
            return lease != nil
        }
        return lease.flatMap(tuple)
    }

    /// Clients 1 to 4 get leases from the active, which is then killed; the standby takes the
    /// group over and gives client 5 a port set from its reserve. Returns the five tuples.
    static func takeOverWithAReserveLease(_ network: PartnerNetwork, _ a: Partner, _ b: Partner, port: UInt16)
        throws -> [Int: String]
    {
        var tuples: [Int: String] = [:]
        for id in 1...4 { tuples[id] = try lease(network, id: id, port: port, seconds: 5) }
        a.process?.kill9()
        #expect(b.process?.waitFor("pool group taken over", seconds: 15) == true, "\(b.log)")
        tuples[5] = try lease(network, id: 5, port: port)
        #expect(tuples[5]?.hasPrefix("203.0.113.") == true, "\(tuples)")
        return tuples
    }

    /// After a failback: every client of `tuples` asks again and keeps its port set, and client 6,
    /// new, gets one from the group's pool that none of them holds. Returns client 6's.
    static func keptAndAFreshOne(_ network: PartnerNetwork, _ tuples: [Int: String], port: UInt16) throws -> String? {
        for (client, tuple) in tuples.sorted(by: { $0.key < $1.key }) {
            #expect(try lease(network, id: client, port: port, seconds: 5) == tuple, "client \(client)")
        }
        let fresh = try lease(network, id: 6, port: port, seconds: 5)
        #expect(
            fresh?.hasPrefix("198.51.100.") == true && !tuples.values.contains(fresh ?? ""),
            "\(String(describing: fresh))")
        return fresh
    }

    /// No port set bound to two clients, looking at both partners' engines at once.
    static func duplicates(_ partners: [Partner], clients: ClosedRange<Int>) throws -> [String: Set<Int>] {
        var holders: [String: Set<Int>] = [:]
        for partner in partners {
            for id in clients {
                if let tuple = try partner.boundLease(of: id) { holders[tuple, default: []].insert(id) }
            }
        }
        return holders.filter { $0.value.count > 1 }
    }

    /// Runs `body` with a fresh pair: certificates made (then changed by `prepare`), the
    /// standby started before the active (or after, with `activeFirst`), and, with
    /// `waitForStandby`, once the standby follows. Everything is stopped and removed after.
    static func withPair(
        activeFirst: Bool = false, prepare: (String) throws -> Void = { _ in }, waitForStandby: Bool = true,
        options: Partner.Options = .init(), _ body: (PartnerNetwork, Partner, Partner, UInt16) throws -> Void
    ) throws {
        let network = try PartnerNetwork()
        defer { network.stop() }
        let certificates = try makeCertificates()
        defer { try? FileManager.default.removeItem(atPath: certificates) }
        try prepare(certificates)
        let port = FailurePolicyTests.port()
        let a = try Partner("a", network: network, port: port, certificates: certificates, options: options)
        let b = try Partner("b", network: network, port: port, certificates: certificates, options: options)
        defer { [a, b].forEach { $0.stop() } }
        for partner in activeFirst ? [a, b] : [b, a] { try partner.start() }
        if waitForStandby { #expect(b.process?.waitFor("following the active") == true, "\(b.log)") }
        try body(network, a, b, port)
    }
}
