import Foundation
import Testing

/// `portlease import kea-reservations` on a Kea DHCPv4 configuration that Kea itself accepts
/// (`kea-dhcp4 -t`), then a real `portlease serve` that gives the reserved client its address.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: "/usr/include/liburing.h"), "liburing is not installed"))
struct KeaReservationsImportTests {
    /// Comments of all three kinds, global, subnet and shared-network hosts, and every skip reason.
    static let keaConfiguration = """
        // A Kea configuration as an operator writes it, comments and all.
        { "Dhcp4": {
            # the interfaces
            "interfaces-config": { "interfaces": [ ] },
            "lease-database": { "type": "memfile", "persist": false },
            /* global reservations
               (a host by client-id: "portlease client --id 7") */
            "reservations": [
                { "client-id": "\(ReservationProcessTests.clientKey(id: 7).dropFirst(3))", "ip-address": "203.0.113.20" }
            ],
            "reservations-global": true,
            "ip-reservations-unique": false,
            "subnet4": [ { "id": 1, "subnet": "203.0.113.0/24",
                "pools": [ { "pool": "203.0.113.100 - 203.0.113.199" } ],
                "reservations": [
                    { "hw-address": "1a:1b:1c:1d:1e:1f", "ip-address": "203.0.113.21", "hostname": "cpe-21 // not a comment" },
                    { "duid": "01:02:03:04:05:06", "ip-address": "203.0.113.22" },
                    { "hw-address": "2a:2b:2c:2d:2e:2f", "hostname": "no-address # either" },
                    { "hw-address": "3a:3b:3c:3d:3e:3f", "ip-address": "203.0.113.21" },
                    { "hw-address": "6a:6b:6c:6d:6e:6f", "ip-address": "203.0.113.200" }
                ] } ],
            "shared-networks": [ { "name": "edge", "subnet4": [ { "id": 2, "subnet": "198.51.100.0/24",
                "reservations": [ { "hw-address": "4a:4b:4c:4d:4e:4f", "ip-address": "198.51.100.9" },
                                  { "hw-address": "5a:5b:5c:5d:5e:5f", "ip-address": "198.51.100.77" } ] } ] } ]
        } }
        """

    @Test func hostsKeaAcceptsBecomeReservationsTheServerHonours() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let kea = directory + "/kea-dhcp4.conf"
        try Self.keaConfiguration.write(toFile: kea, atomically: true, encoding: .utf8)
        if FileManager.default.isExecutableFile(atPath: KeaPrerequisites.kea) {
            let checked = MulticastNamespaceTests.sh("\(KeaPrerequisites.kea) -t \(kea)")
            #expect(checked.status == 0, "Kea refuses the test's own configuration: \(checked.output)")
        }
        let port = FailurePolicyTests.port()
        let config = directory + "/server.json"
        try """
        { "server-id": "192.0.2.1", "listen": { "addresses": ["::1"], "port": \(port) },
          "dhcp4o6-server-addresses": ["::1"], "workers": 2,
          "lease-log": { "directory": "\(directory)/log", "durability": "none" },
          "pools": [ { "name": "full", "addresses": ["203.0.113.0/25"] },
                     { "name": "map", "addresses": ["198.51.100.0/25"], "shared": { "psid-length": 6 } } ] }
        """.write(toFile: config, atomically: true, encoding: .utf8)

        let printed = try CommandLineTests.run(["import", "kea-reservations", kea, "--config", config, "--print"])
        #expect(printed.status == 0, "\(printed.errors)")
        #expect(printed.output.contains(#""client": "hw:01:1a:1b:1c:1d:1e:1f", "address": "203.0.113.21""#))
        #expect(!FileManager.default.fileExists(atPath: directory + "/log/reservations.json"))
        let imported = try CommandLineTests.run(["import", "kea-reservations", kea, "--config", config, "--json"])
        #expect(imported.status == 0, "\(imported.errors)")
        let summary = try #require(
            try JSONSerialization.jsonObject(with: Data(imported.errors.utf8)) as? [String: Any])
        #expect(summary["hosts"] as? Int == 8 && summary["imported"] as? Int == 2, "\(summary)")
        #expect(
            summary["skipped"] as? [String: Int]
                == ["no-address": 1, "identifier-type": 1, "outside-pools": 1, "shared-pool": 2, "conflict": 1])
        // Again: nothing new (each is reserved already).
        let again = try CommandLineTests.run(["import", "kea-reservations", kea, "--config", config])
        #expect(again.status == 0 && again.errors.contains("imported 0"), "\(again.errors)")

        let server = try ServeProcess(config: config, logPath: directory + "/server.log")
        defer { server.stop() }
        #expect(server.waitFor("portlease started"), "\(server.log)")
        let other = try CommandLineTests.run(["client", "--server", "::1", "--port", "\(port)", "--id", "8", "--full"])
        #expect(!other.output.contains("203.0.113.20 ") && !other.output.contains("203.0.113.21 "), "\(other.output)")
        let owner = try CommandLineTests.run(["client", "--server", "::1", "--port", "\(port)", "--id", "7", "--full"])
        #expect(owner.output.contains("lease: 203.0.113.20 (full address)"), "\(owner.output) \(owner.errors)")
        let listed = try CommandLineTests.run(["reservation", "list", "--config", config])
        #expect(listed.output.split(separator: "\n").count == 2 && listed.output.contains("[api]"), "\(listed.output)")
    }

    @Test func aConfigurationThatIsNotKeasIsRefusedWithTheReason() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = directory + "/server.json"
        try ServeProcess.configuration(port: 10_999, logDirectory: directory + "/log")
            .write(toFile: config, atomically: true, encoding: .utf8)
        for (text, reason) in [
            (#"{ "Dhcp6": { } }"#, "no \"Dhcp4\" object"), (#"{ "Dhcp4": { "#, "not a Kea configuration"),
            (#"{ "Dhcp4": { "reservations": [ { "hw-address": "zz", "ip-address": "192.0.2.1" } ] } }"#, "hw-address"),
        ] {
            try text.write(toFile: directory + "/kea.conf", atomically: true, encoding: .utf8)
            let result = try CommandLineTests.run([
                "import", "kea-reservations", directory + "/kea.conf", "--config", config,
            ])
            #expect(result.status == 1 && result.errors.contains(reason), "\(text): \(result.errors)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory + "/log/reservations.json"))
    }
}
