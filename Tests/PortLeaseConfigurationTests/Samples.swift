import PortLeaseConfiguration

/// Configuration text for the tests, and helpers to look at the problems it produces.
enum Samples {
    /// The repository's `Config/` directory, found from this file's path.
    static var configDirectory: String {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/PortLeaseConfigurationTests/Samples.swift
        return parts.joined(separator: "/") + "/Config"
    }

    /// The example of issue 6, section "Configuration", verbatim.
    static let issueExample = """
        {
          "server-id": "192.0.2.1",
          "listen": { "addresses": ["::"], "port": 547, "interfaces": ["eth0"] },
          "dhcp4o6-server-addresses": ["2001:db8::1"],
          "workers": 2,
          "lease-log": { "directory": "/var/lib/portlease", "durability": "fsync", "history-days": 180 },
          "limits": { "leases-per-subscriber": 8, "subscriber-key": "client-prefix/56" },
          "metrics": { "listen": "127.0.0.1:9547" },
          "pools": [
            { "name": "map-shared", "addresses": ["198.51.100.0/24"], "valid-lifetime": 3600,
              "shared": { "psid-offset": 6, "psid-length": 6, "psid-length-min": 4, "reserved-ports": ["0-1023"] },
              "match": { "client-prefixes": ["2001:db8:100::/40"] },
              "options": { "routers": ["198.51.100.1"], "domain-name-servers": ["192.0.2.53"] } },
            { "name": "full", "addresses": ["203.0.113.16-203.0.113.31"], "valid-lifetime": 7200 }
          ]
        }
        """

    /// The smallest valid document, plus `top` (extra top-level members) and `pools`.
    static func document(
        _ top: String = "",
        pools: String = #"{ "name": "p", "addresses": ["198.51.100.0/24"], "shared": {} }"#
    ) -> String {
        """
        { "server-id": "192.0.2.1", "lease-log": { "directory": "/tmp/portlease-test" },
          \(top.isEmpty ? "" : top + ",") "pools": [\(pools)] }
        """
    }

    /// A document with one pool made of `members` (after its name and addresses).
    static func pool(_ members: String, addresses: String = #"["198.51.100.0/24"]"#) -> String {
        document(pools: #"{ "name": "p", "addresses": \#(addresses)\#(members.isEmpty ? "" : ", " + members) }"#)
    }

    /// The problems `text` produces; empty when it is valid.
    static func problems(_ text: String) -> [ConfigurationProblem] {
        do {
            _ = try ServerConfiguration.parse(text)
            return []
        } catch {
            return error.problems
        }
    }

    /// The reasons reported at exactly `keyPath`.
    static func reasons(_ text: String, at keyPath: String) -> [String] {
        problems(text).filter { $0.keyPath == keyPath }.map(\.reason)
    }
}
