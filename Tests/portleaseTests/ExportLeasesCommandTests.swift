import Foundation
import Testing

/// `portlease export leases` against a log holding a shared and a full lease, in both formats.
@Suite struct ExportLeasesCommandTests {
    /// A server with a shared and a full pool, one lease of each (real DORAs), and the log directory.
    static func serverWithTwoLeases() throws -> RelayedServer {
        let server = try RelayedServer(
            workers: 2,
            pools: """
                { "name": "map", "addresses": ["198.51.100.0/24"], "shared": { "psid-length": 6 } },
                { "name": "full", "addresses": ["203.0.113.64/30"] }
                """)
        try #require(server.started, "\(server.process.log)")
        #expect(try RelayedClient(id: 1, peer: "2001:db8::1").lease(port: server.port) != nil)
        #expect(try RelayedClient(id: 2, peer: "2001:db8::2", full: true).lease(port: server.port) != nil)
        return server
    }

    @Test func csvHasAHeaderAndOneLinePerLeaseWithPortRanges() throws {
        let server = try Self.serverWithTwoLeases()
        defer { server.stop() }
        let output = server.directory + "/leases.csv"
        let result = try CommandLineTests.run([
            "export", "leases", "--log-dir", server.directory + "/log", "--format", "csv", "--output", output,
        ])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.errors.contains("2 lease(s) exported"))
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        try #require(lines.count == 3, "\(lines)")
        #expect(
            lines[0] == "address,psid-offset,psid-length,psid,port-ranges,client,subscriber,relay,state,start,expiry")
        let shared = lines[1].split(separator: ",", omittingEmptySubsequences: false)
        #expect(shared.count == 11, "\(lines[1])")
        #expect(shared[0] == "198.51.100.0" && shared[1] == "6" && shared[2] == "6" && shared[3] == "0")
        let ranges = shared[4].split(separator: " ")
        #expect(ranges.count == 63 && ranges.first == "1024-1039" && ranges.last == "64512-64527")
        #expect(shared[5].hasPrefix("id:ff:00:00:00:01:00:04:"))
        #expect(shared[6] == "2001:db8::1" && shared[8] == "bound")
        #expect(shared[7] == "\"link 2001:db8:ffff::1\"" || shared[7] == "link 2001:db8:ffff::1")
        #expect(shared[9].hasSuffix("Z") && shared[10].hasSuffix("Z") && shared[9] < shared[10])
        let full = lines[2].split(separator: ",", omittingEmptySubsequences: false)
        #expect(full[0] == "203.0.113.64" && full[2] == "0" && full[4] == "0-65535" && full[6] == "2001:db8::2")
        #expect(!FileManager.default.fileExists(atPath: output + ".tmp"))
    }

    @Test func jsonIsWhatLeasesJSONPrints() throws {
        let server = try Self.serverWithTwoLeases()
        defer { server.stop() }
        let at = String(Int(Date().timeIntervalSince1970) + 1)  // after both leases began
        let exported = try CommandLineTests.run([
            "export", "leases", "--log-dir", server.directory + "/log", "--format", "json", "--at", at,
        ])
        let listed = try CommandLineTests.run(["leases", "--log-dir", server.directory + "/log", "--json", "--at", at])
        #expect(exported.status == 0, "\(exported.errors)")
        #expect(exported.output.split(separator: "\n").count == 2)
        #expect(exported.output == listed.output)
        #expect(exported.output.contains("\"full\":true") && exported.output.contains("\"full\":false"))
    }
}
