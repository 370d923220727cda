import Foundation

/// Partner servers and their clients, each in a network namespace of its own, joined by a
/// bridge in the clients' namespace: `fd00:16::a`, `fd00:16::b` (and `::c`, `::d` with four)
/// are the servers, `fd00:16::ff` the relay the test's clients send from (to every server, or
/// to a group's pair, as a relay configured with those server addresses does). The partners replicate over the same bridge. ``stop()`` deletes it all.
final class PartnerNetwork {
    let tag = String(UInt32.random(in: 0...0xFFFFF), radix: 16)
    var clients: String { "plr-\(tag)" }
    /// The namespace of server `name` ("a" or "b").
    func namespace(_ name: String) -> String { "pl\(name)-\(tag)" }
    /// Server `name`'s address.
    static func address(_ name: String) -> String { "fd00:16::\(name)" }

    init(servers: [String] = ["a", "b"]) throws {
        self.servers = servers
        var commands = [
            "ip netns add \(clients)", "ip -n \(clients) link set lo up",
            "ip -n \(clients) link add br0 type bridge", "ip -n \(clients) link set br0 up",
            "ip netns exec \(clients) sysctl -qw net.ipv6.conf.all.accept_dad=0",
            "ip -n \(clients) addr add \(Self.address("ff"))/64 dev br0 nodad",
        ]
        for name in servers {
            let (namespace, outer, inner) = (namespace(name), "v\(name)\(tag)", "e\(name)\(tag)")
            commands += [
                "ip netns add \(namespace)", "ip -n \(namespace) link set lo up",
                "ip link add \(outer) type veth peer name \(inner)",
                "ip link set \(outer) netns \(clients)", "ip link set \(inner) netns \(namespace)",
                "ip -n \(clients) link set \(outer) master br0 up", "ip -n \(namespace) link set \(inner) up",
                "ip -n \(namespace) addr add \(Self.address(name))/64 dev \(inner) nodad",
            ]
        }
        for command in commands {
            var result = MulticastNamespaceTests.sh(command)
            // Two `ip netns add` at once (tests run in parallel) can race on /run/netns itself.
            for _ in 0..<5 where result.status != 0 && command.hasPrefix("ip netns add") {
                MulticastNamespaceTests.sh(command.replacingOccurrences(of: " add ", with: " del ") + " 2>/dev/null")
                Thread.sleep(forTimeInterval: 0.1)
                result = MulticastNamespaceTests.sh(command)
            }
            guard result.status == 0 else {
                stop()
                throw Failure(description: "\(command): \(result.output)")
            }
        }
    }

    let servers: [String]

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// A DORA from the clients' namespace to every server (or to `to`, the pair a relay is
    /// configured with); the `lease: ...` line, or nil.
    /// `link` is the relay's link-address (which pools' `match` sees).
    /// With `release`, the client releases the lease once it has it; `secs` is the DHCPv4
    /// field it sends (how long it says it has been trying).
    func lease(
        id: Int, port: UInt16, timeoutMilliseconds: Int = 500, to: [String]? = nil, link: String = "2001:db8:ffff::1",
        release: Bool = false, secs: Int = 0
    ) throws -> String? {
        let targets = to ?? servers
        var arguments = [
            "netns", "exec", clients, CommandLineTests.binary, "client", "--server", Self.address(targets[0]),
            "--port", "\(port)", "--id", "\(id)", "--relay-peer", "2001:db8:9::\(id)", "--link-address", link,
            "--timeout", "\(timeoutMilliseconds)",
        ]
        for other in targets.dropFirst() { arguments += ["--also-server", Self.address(other)] }
        if release { arguments.append("--release") }
        if secs > 0 { arguments += ["--secs", "\(secs)"] }
        let result = try CommandLineTests.run(arguments, executable: "/usr/sbin/ip")
        return result.output.split(separator: "\n").first { $0.hasPrefix("lease: ") }.map(String.init)
    }

    /// Cuts (or, with `cut` false, heals) the link between servers `a` and `b` only: each drops
    /// what it sends to the other (a blackhole route for the other's address), as a broken
    /// path between two sites would, while both still reach the clients.
    func partition(_ a: String, _ b: String, cut: Bool = true) throws {
        for (here, there) in [(a, b), (b, a)] {
            let command = "ip -n \(namespace(here)) route \(cut ? "add" : "del") blackhole \(Self.address(there))/128"
            let result = MulticastNamespaceTests.sh(command)
            guard result.status == 0 else { throw Failure(description: "\(command): \(result.output)") }
        }
    }

    func stop() {
        for name in servers { MulticastNamespaceTests.sh("ip netns del \(namespace(name)) 2>/dev/null") }
        MulticastNamespaceTests.sh("ip netns del \(clients) 2>/dev/null")
    }
}
