import Foundation
import Testing

@testable import portlease

/// Four instances, each active for one pool group and the standby of the one before it (a
/// ring, so every machine both serves and backs another up). Each client's relay forwards to
/// its group's pair, as an access network's relays point at the pair serving that area, and
/// each group's pools `match` its relays' link. Any
/// one instance killed with SIGKILL: every pool is still served, and every client keeps its
/// port set.
@Suite(
    .enabled(
        if: NamespacePrerequisites.missing == nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"),
        "\(NamespacePrerequisites.missing ?? "needs openssl")"),
    .serialized)
struct RedundancyRingProcessTests {
    static let names = ["a", "b", "c", "d"]

    /// The link-address of group `group`'s relays: its pools serve only their clients, as an
    /// access area's pools do (the instance active for the next group sees these queries too).
    static func link(_ group: Int) -> String { "2001:db8:f\(group)::1" }

    /// Instance `index`'s file: active for g`index` (pools p`index`, reserve r`index`), the
    /// standby of the previous instance's group.
    static func configuration(_ index: Int, partner: RedundancyProcessTests.Partner) -> String {
        let (name, next, previous) = (names[index], names[(index + 1) % 4], names[(index + 3) % 4])
        let (own, followed) = (index, (index + 3) % 4)
        func pools(_ group: Int) -> String {
            """
            { "name": "p\(group)", "addresses": ["198.51.100.\(group * 16)/29"], "valid-lifetime": 3600,
              "match": { "link-addresses": ["2001:db8:f\(group)::/64"] }, "shared": { "psid-offset": 6, "psid-length": 2 } },
            { "name": "r\(group)", "addresses": ["203.0.113.\(group * 4)/30"], "valid-lifetime": 3600,
              "match": { "link-addresses": ["2001:db8:f\(group)::/64"] }, "shared": { "psid-offset": 6, "psid-length": 2 } }
            """
        }
        func group(_ group: Int, active: String, standby: String) -> String {
            #"{ "name": "g\#(group)", "pools": ["p\#(group)"], "standby-pools": ["r\#(group)"], "active": "\#(active)", "standby": "\#(standby)" }"#
        }
        let address = PartnerNetwork.address
        return """
            { "server-id": "192.0.2.1", "listen": { "addresses": ["\(address(name))"], "port": \(partner.port) },
              "dhcp4o6-server-addresses": ["\(address(name))"], "workers": 2,
              "lease-log": { "directory": "\(partner.directory)/log", "durability": "fsync" },
              "redundancy": { "instance": "\(name)", "listen": "[\(address(name))]:8647",
                "tls": { "certificate-file": "\(partner.certificates)/\(name).pem",
                         "key-file": "\(partner.certificates)/\(name).key", "ca-file": "\(partner.certificates)/ca.pem" },
                "takeover-after": 3, "heartbeat-interval": 1,
                "partners": [ { "name": "\(next)", "address": "[\(address(next))]:8647" },
                              { "name": "\(previous)", "address": "[\(address(previous))]:8647" } ],
                "pool-groups": [ \(group(own, active: name, standby: next)),
                                 \(group(followed, active: previous, standby: name)) ] },
              "pools": [ \(pools(own)), \(pools(followed)) ] }
            """
    }

    @Test(arguments: [0, 1, 2, 3])
    func killingAnyOneInstanceLeavesEveryPoolServed(victim: Int) throws {
        let network = try PartnerNetwork(servers: Self.names)
        defer { network.stop() }
        let certificates = try RedundancyProcessTests.makeCertificates(for: Self.names)
        defer { try? FileManager.default.removeItem(atPath: certificates) }
        let port = FailurePolicyTests.port()
        let instances = try Self.names.indices.map { index in
            let partner = try RedundancyProcessTests.Partner(
                Self.names[index], network: network, port: port, certificates: certificates)
            try Self.configuration(index, partner: partner).write(
                toFile: partner.directory + "/server.json", atomically: true, encoding: .utf8)
            return partner
        }
        defer { instances.forEach { $0.stop() } }
        for instance in instances { try instance.start() }
        for instance in instances {
            #expect(instance.process?.waitFor("following the active") == true, "\(instance.log)")
        }
        // Client `id` is in group `id % 4`: its relay forwards to that group's active and standby.
        func pair(_ id: Int) -> [String] { [Self.names[id % 4], Self.names[(id + 1) % 4]] }
        func lease(_ id: Int) throws -> String? {
            try RedundancyProcessTests.lease(
                network, id: id, port: port, seconds: 5, to: pair(id), link: Self.link(id % 4))
        }
        var tuples: [Int: String] = [:]
        for id in 1...12 { tuples[id] = try lease(id) }
        #expect(
            tuples.count == 12 && Set(tuples.values).count == 12,
            "\(tuples)")
        // Each in its group's pool: 198.51.100.(16 g) to .(16 g + 7).
        #expect(
            tuples.allSatisfy { client, tuple in
                let octet = Int(tuple.split(separator: " ")[0].split(separator: ".")[3]) ?? -1
                return octet / 16 == client % 4
            }, "\(tuples)")

        let successor = instances[(victim + 1) % 4]
        instances[victim].process?.kill9()
        #expect(successor.process?.waitFor("pool group taken over", seconds: 15) == true, "\(successor.log)")
        for (client, tuple) in tuples.sorted(by: { $0.key < $1.key }) {
            #expect(try lease(client) == tuple, "client \(client)")
        }
        var fresh: [String] = []
        for id in 13...16 { if let tuple = try lease(id) { fresh.append(tuple) } }
        #expect(fresh.count == 4 && Set(fresh + tuples.values).count == 16, "\(fresh)")
        let survivors = instances.indices.filter { $0 != victim }.map { instances[$0] }
        #expect(try RedundancyProcessTests.duplicates(survivors, clients: 1...16).isEmpty)
    }
}
