import Foundation
import PortLeaseTestSupport
import Testing

/// Why the namespace test cannot run here, or nil.
enum NamespacePrerequisites {
    static var missing: String? {
        if getuid() != 0 { return "needs root for network namespaces (skipped)" }
        if !FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip")
            && !FileManager.default.isExecutableFile(atPath: "/sbin/ip")
        {
            return "needs iproute2's ip (apt-get install iproute2) (skipped)"
        }
        if !FileManager.default.fileExists(atPath: "/usr/include/liburing.h") { return "needs liburing-dev (skipped)" }
        return nil
    }
}

/// A client on another link, reached through a veth pair between a network
/// namespace and the test's namespace: it multicasts to ff02::1:2 (All_DHCP_Relay_
/// Agents_and_Servers) on its interface, the server has joined that group on its
/// end, and the reply comes back to the client's link-local address.
/// Needs root (network namespaces) and iproute2; skipped with a message otherwise.
@Suite(.enabled(if: NamespacePrerequisites.missing == nil, "\(NamespacePrerequisites.missing ?? "")"))
struct MulticastNamespaceTests {
    /// Runs a shell command line, returning its status and output (and errors).
    @discardableResult
    static func sh(_ command: String) -> (status: Int32, output: String) {
        do {
            let result = try CapturedRun.run("/bin/sh", ["-c", command], seconds: 60)
            return (result.status, result.output + result.errors)
        } catch {
            return (-1, "\(error)")
        }
    }

    @Test func aClientOnAnotherLinkMulticastsAndGetsALease() throws {
        let tag = String(UInt32.random(in: 0...0xFFFFF), radix: 16)
        let namespace = "pl-test-\(tag)"
        let serverSide = "pls\(tag)"
        let clientSide = "plc\(tag)"
        defer { Self.sh("ip netns del \(namespace) 2>/dev/null; ip link del \(serverSide) 2>/dev/null") }
        let setup = [
            "ip netns add \(namespace)",
            "ip link add \(serverSide) type veth peer name \(clientSide)",
            "ip link set \(clientSide) netns \(namespace)",
            "sysctl -qw net.ipv6.conf.\(serverSide).accept_dad=0",
            "ip netns exec \(namespace) sysctl -qw net.ipv6.conf.\(clientSide).accept_dad=0",
            "ip link set \(serverSide) up",
            "ip netns exec \(namespace) ip link set lo up",
            "ip netns exec \(namespace) ip link set \(clientSide) up",
        ]
        for command in setup {
            let result = Self.sh(command)
            try #require(result.status == 0, "\(command): \(result.output)")
        }
        // Link-local addresses appear once the links are up.
        for _ in 0..<50 where !Self.sh("ip -6 addr show dev \(serverSide) scope link").output.contains("fe80") {
            Thread.sleep(forTimeInterval: 0.1)
        }

        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = TestPorts.take()
        let configuration = """
            { "server-id": "192.0.2.1", "listen": { "addresses": ["::"], "port": \(port), "interfaces": ["\(serverSide)"] },
              "dhcp4o6-server-addresses": [], "workers": 1, "lease-log": { "directory": "\(directory)/log" },
              "pools": [ { "name": "map", "addresses": ["198.51.100.0/30"], "shared": { "psid-length": 6 } } ] }
            """
        try configuration.write(toFile: directory + "/server.json", atomically: true, encoding: .utf8)
        let server = try ServeProcess(config: directory + "/server.json", logPath: directory + "/server.log")
        defer { server.stop() }
        #expect(server.waitFor("portlease started"), "\(server.log)")

        let client = Self.sh(
            "ip netns exec \(namespace) \(CommandLineTests.binary) client --server ff02::1:2 --interface \(clientSide) --port \(port)"
        )
        #expect(client.status == 0, "client: \(client.output)")
        #expect(client.output.contains("option 88 (4o6 servers): empty: use ff02::1:2"))
        #expect(client.output.contains("lease: 198.51.100."))
        #expect(client.output.contains("psid-len 6"))
    }
}
