import Foundation
import PortLeaseWire
import Testing

/// A server started on an imported log serves the imported leases: each imported client
/// renewing (a REQUEST in RENEWING state, inside a DHCPV4-QUERY with the U flag) is ACKed
/// for its address, other clients never get those addresses, and an import into the log
/// of the running server is refused.
@Suite struct KeaImportServeTests {
    @Test func importedClientsRenewAndOthersNeverGetTheirAddresses() throws {
        let byIdentifier = TestDHCPv4Client(
            clientIdentifier: [1, 2, 0xAA, 0xBB, 0xCC, 0xDD, 1], hardwareAddress: [2, 0xAA, 0xBB, 0xCC, 0xDD, 1],
            xid: 0x2001)
        let byHardware = TestDHCPv4Client(
            clientIdentifier: nil, hardwareAddress: [2, 0xAA, 0xBB, 0xCC, 0xDD, 2], xid: 0x2002)
        let port = FailurePolicyTests.port()
        let directory = try KeaFixture.directory(
            rows: [
                KeaFixture.row("203.0.113.2", hwaddr: "02:aa:bb:cc:dd:01", clientID: "01:02:aa:bb:cc:dd:01"),
                KeaFixture.row("203.0.113.3", hwaddr: "02:aa:bb:cc:dd:02"),
            ], port: port)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let imported = try KeaFixture.importLeases(directory)
        #expect(imported.output.contains("imported 2 lease(s)"), "\(imported.output) \(imported.errors)")

        let server = try ServeProcess(config: directory + "/portlease.json", logPath: directory + "/server.log")
        defer { server.stop() }
        try #require(server.waitFor("portlease started"), "\(server.log)")
        let refused = try KeaFixture.importLeases(directory)
        #expect(refused.status == 1)
        #expect(refused.errors.contains("is in use by another process"), "\(refused.errors)")

        let probe = try UDPProbe(address: "::1")
        for (client, address) in [(byIdentifier, "203.0.113.2"), (byHardware, "203.0.113.3")] {
            let answer = try client.renew4o6(IPv4Address(address)!, probe: probe, server: "::1", port: port)
            #expect(answer?.type == .ack, "\(client.printedKey): \(String(describing: answer))")
            #expect(answer?.address == IPv4Address(address))
        }
        // The /30 has two more addresses: two newcomers get them, a third gets nothing.
        var granted: [String] = []
        for id in 1...3 {
            let result = try CommandLineTests.run([
                "client", "--server", "::1", "--port", "\(port)", "--id", "\(id)", "--full", "--timeout", "700",
            ])
            granted += result.output.split(separator: "\n").filter { $0.hasPrefix("lease: ") }.map(String.init)
        }
        #expect(
            granted.sorted() == [
                "lease: 203.0.113.0 (full address) for 3600 s", "lease: 203.0.113.1 (full address) for 3600 s",
            ])
    }
}
