import Foundation
import PortLeaseTestSupport
import PortLeaseWire
import Testing

/// Why the real-Kea test cannot run here, or nil.
enum KeaPrerequisites {
    static let kea = "/usr/sbin/kea-dhcp4"

    static var missing: String? {
        if let missing = NamespacePrerequisites.missing { return missing }
        if !FileManager.default.isExecutableFile(atPath: kea) {
            return "needs Kea's \(kea) (apt-get install kea-dhcp4-server) (skipped)"
        }
        return nil
    }
}

/// The migration as an operator does it: a real kea-dhcp4 (2.2) leases addresses with
/// DISCOVER/REQUEST and writes its memfile; Kea is stopped; `portlease import kea-leases`
/// reads that file into a fresh lease log; `portlease leases --json` lists exactly those
/// addresses for exactly those clients.
///
/// Kea runs in its own network namespace, reached over a veth pair: the test is the relay
/// agent (giaddr = its end of the pair), so Kea answers it by unicast on port 67 and the
/// host's port 67 and interfaces are untouched. Needs root, iproute2 and kea-dhcp4.
@Suite(.enabled(if: KeaPrerequisites.missing == nil, "\(KeaPrerequisites.missing ?? "")"))
struct KeaMemfileImportTests {
    static let keaAddress = "198.18.47.1"
    static let relayAddress = "198.18.47.2"

    @Test func leasesWrittenByKeaAreImportedForTheSameClients() throws {
        let tag = String(UInt32.random(in: 0...0xFFFFF), radix: 16)
        let namespace = "pl-kea-\(tag)"
        let hostSide = "pkh\(tag)"
        let keaSide = "pkk\(tag)"
        let sh = MulticastNamespaceTests.sh
        defer { _ = sh("ip netns del \(namespace) 2>/dev/null; ip link del \(hostSide) 2>/dev/null") }
        for command in [
            "ip netns add \(namespace)", "ip link add \(hostSide) type veth peer name \(keaSide)",
            "ip link set \(keaSide) netns \(namespace)", "ip addr add \(Self.relayAddress)/24 dev \(hostSide)",
            "ip link set \(hostSide) up", "ip netns exec \(namespace) ip link set lo up",
            "ip netns exec \(namespace) ip addr add \(Self.keaAddress)/24 dev \(keaSide)",
            "ip netns exec \(namespace) ip link set \(keaSide) up",
        ] {
            let result = sh(command)
            try #require(result.status == 0, "\(command): \(result.output)")
        }
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let memfile = directory + "/kea-leases4.csv"
        let keaConfiguration = """
            { "Dhcp4": {
                "interfaces-config": { "interfaces": [ "\(keaSide)" ], "dhcp-socket-type": "udp" },
                "lease-database": { "type": "memfile", "persist": true, "name": "\(memfile)", "lfc-interval": 0 },
                "valid-lifetime": 3600,
                "subnet4": [ { "id": 1, "subnet": "198.18.47.0/24",
                               "pools": [ { "pool": "198.18.47.100 - 198.18.47.199" } ] } ],
                "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "stderr" } ], "severity": "INFO" } ]
            } }
            """
        try keaConfiguration.write(toFile: directory + "/kea-dhcp4.json", atomically: true, encoding: .utf8)
        let kea = try UnmaskedProcess(
            ["/usr/sbin/ip", "netns", "exec", namespace, KeaPrerequisites.kea, "-c", directory + "/kea-dhcp4.json"],
            environment: ["KEA_PIDFILE_DIR": directory, "KEA_LOCKFILE_DIR": directory],
            outputPath: directory + "/kea.log")
        let listening = ServeProcess.poll(seconds: 15) {
            sh("ip netns exec \(namespace) ss -Hlun 'sport = :67'").output.contains(Self.keaAddress)
        }
        let keaOutput = { (try? String(contentsOfFile: directory + "/kea.log", encoding: .utf8)) ?? "" }
        try #require(listening, "kea-dhcp4 did not open its socket: \(keaOutput())")

        // Two clients that send option 61, one known only by its hardware address.
        let clients = [
            TestDHCPv4Client(
                clientIdentifier: [1, 0x02, 0x4B, 0x45, 0x41, 0, 1], hardwareAddress: [2, 0x4B, 0x45, 0x41, 0, 1],
                xid: 0x1001),
            TestDHCPv4Client(
                clientIdentifier: [0xFF, 0, 0, 0, 7, 0, 3, 0, 1, 2, 0x4B, 0x45, 0x41, 0, 2],
                hardwareAddress: [2, 0x4B, 0x45, 0x41, 0, 2], xid: 0x1002),
            TestDHCPv4Client(clientIdentifier: nil, hardwareAddress: [2, 0x4B, 0x45, 0x41, 0, 3], xid: 0x1003),
        ]
        let relay = try UDPProbe(address: "::ffff:" + Self.relayAddress, port: 67)
        var expected: Set<String> = []
        for client in clients {
            let leased = try client.dora(giaddr: IPv4Address(Self.relayAddress)!) {
                try relay.exchange($0, to: "::ffff:" + Self.keaAddress, port: 67)
            }
            let address = try #require(leased, "Kea did not lease to \(client.printedKey): \(keaOutput())")
            expected.insert("\(address) \(client.printedKey)")
        }
        #expect(expected.count == 3)
        kea.signal(SIGTERM)
        let stopped = try #require(kea.wait(seconds: 15), "kea-dhcp4 did not stop on SIGTERM")
        #expect(stopped == 0, "kea-dhcp4 exit status \(stopped): \(keaOutput())")
        let csv = try String(contentsOfFile: memfile, encoding: .utf8)
        #expect(csv.hasPrefix("address,hwaddr,client_id,valid_lifetime,expire,subnet_id,"), "\(csv)")

        let configuration = directory + "/portlease.json"
        try """
        { "server-id": "192.0.2.1", "workers": 2, "lease-log": { "directory": "\(directory)/log" },
          "pools": [ { "name": "migrated", "addresses": ["198.18.47.0/24"] } ] }
        """.write(toFile: configuration, atomically: true, encoding: .utf8)
        let imported = try CommandLineTests.run(["import", "kea-leases", memfile, "--config", configuration, "--json"])
        #expect(imported.status == 0, "\(imported.output) \(imported.errors)")
        #expect(imported.output.contains("\"imported\":3"), "\(imported.output)")
        let listed = try CommandLineTests.run(["leases", "--config", configuration, "--json"])
        #expect(listed.status == 0, "\(listed.errors)")
        var found: Set<String> = []
        for line in listed.output.split(separator: "\n") {
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
            found.insert("\(object["address"] as? String ?? "?") \(object["client"] as? String ?? "?")")
            #expect(object["full"] as? Bool == true)
            #expect(object["subscriber"] as? String == "::")
        }
        #expect(found == expected, "Kea's file:\n\(csv)")
    }
}
