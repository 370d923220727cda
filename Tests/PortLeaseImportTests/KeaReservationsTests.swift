import LeaseEngine
import PortLeaseWire
import Testing

@testable import PortLeaseImport

/// Reading Kea's host reservations: comments outside strings only, identifiers as PortLease keys.
@Suite struct KeaReservationsTests {
    @Test func commentsAreRemovedOutsideStringsOnly() {
        let text = """
            { "a": "x // y", # hash
              "b": "p /* q */ r", // slashes
              /* block
                 over lines */ "c": "\\"#\\"" }
            """
        let stripped = KeaReservations.withoutComments(text)
        #expect(stripped.contains(#""a": "x // y","#) && stripped.contains(#""b": "p /* q */ r","#))
        #expect(stripped.contains(##""c": "\"#\"""##))
        #expect(!stripped.contains("hash") && !stripped.contains("slashes") && !stripped.contains("block"))
        #expect(stripped.split(separator: "\n", omittingEmptySubsequences: false).count == 4)
    }

    @Test func hostsBecomeKeysAndAreCheckedAgainstThePools() throws {
        let hosts = try KeaReservations(
            text: """
                { "Dhcp4": { "reservations": [
                    { "hw-address": "1a1b1c1d1e1f", "ip-address": "203.0.113.5" },
                    { "client-id": "01:aa:bb", "ip-address": "203.0.113.6" },
                    { "circuit-id": "'ge-0/0/1'", "ip-address": "203.0.113.7" } ] } }
                """)
        #expect(
            hosts.hosts.map(\.client) == [
                ClientKey(kind: .hardwareAddress, bytes: [1, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F]),
                ClientKey(kind: .clientIdentifier, bytes: [1, 0xAA, 0xBB]),
            ])
        #expect(hosts.skipped == [.identifierType: 1])
        let pool = PoolPolicy(
            name: "full", kind: .full(servePortParamsClients: false),
            addressRanges: [IPv4Address(203, 0, 113, 0)...IPv4Address(203, 0, 113, 5)], validLifetime: 3600)
        let configuration = EngineConfiguration(serverIdentifier: IPv4Address(192, 0, 2, 1), pools: [pool])
        let (added, skipped) = hosts.reservations(for: configuration, existing: [])
        #expect(added == [Reservation(client: hosts.hosts[0].client, address: IPv4Address(203, 0, 113, 5))])
        #expect(skipped == [.identifierType: 1, .outsidePools: 1])
        let (none, conflicts) = hosts.reservations(for: configuration, existing: added)
        #expect(none.isEmpty && conflicts[.conflict] == 1)
    }
}
