import Foundation
import Testing

/// Reservations end to end, in a real `portlease serve` with two workers: the reserved
/// client gets its port set over the wire, the others never do, even with the pool
/// otherwise full, and after a SIGKILL and a restart the same holds.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: "/usr/include/liburing.h"), "liburing is not installed"))
struct ReservationProcessTests {
    /// One address, four port sets (PSID length 2 at offset 6).
    static let pool = #"{ "name": "map", "addresses": ["198.51.100.7/32"], "shared": { "psid-length": 2 } }"#

    /// The client identifier `portlease client --id N` sends (option 61), as `id:HEX`.
    static func clientKey(id: UInt32) -> String {
        let bytes: [UInt8] =
            [0xFF, 0, 0, 0, 1, 0, 4] + Array("portlease-cli-".utf8).prefix(12)
            + withUnsafeBytes(of: id.bigEndian, Array.init)
        return "id:" + bytes.map { String(format: "%02x", $0) }.joined(separator: ":")
    }

    static func psid(_ lease: String) -> Int? {
        let parts = lease.split(separator: " ")
        return parts.firstIndex(of: "psid").flatMap { Int(parts[$0 + 1]) }
    }

    @Test func theReservedClientGetsItsPortSetAndNoOtherClientEverDoes() throws {
        let reservation =
            #"{ "client": "\#(Self.clientKey(id: 9))", "address": "198.51.100.7", "psid": 2, "psid-length": 2 }"#
        let server = try RelayedServer(
            workers: 2, pools: Self.pool, members: #""reservations": [ \#(reservation) ],"#)
        defer { server.stop() }
        #expect(server.started, "\(server.process.log)")
        // Six other clients: three port sets are free for them, and none is PSID 2.
        var others: [String] = []
        for id in 1...6 {
            if let lease = try RelayedClient(id: id, peer: "2001:db8:1::\(id)").lease(port: server.port) {
                others.append(lease)
            }
        }
        #expect(others.count == 3, "\(others)")
        #expect(Set(others.compactMap(Self.psid)) == [0, 1, 3], "\(others)")
        let owner = try #require(try RelayedClient(id: 9, peer: "2001:db8:1::9").lease(port: server.port))
        #expect(owner.contains(" 198.51.100.7 ") && Self.psid(owner) == 2, "\(owner)")

        // SIGKILL, then a restart on the same log: the reservation and every lease hold.
        kill(server.process.process.processIdentifier, SIGKILL)
        #expect(server.process.waitForExit() != nil)
        let restarted = try ServeProcess(
            config: server.directory + "/server.json", logPath: server.directory + "/again.log")
        defer { restarted.stop() }
        #expect(restarted.waitFor("portlease started"), "\(restarted.log)")
        #expect(try RelayedClient(id: 7, peer: "2001:db8:1::7").lease(port: server.port) == nil)
        let again = try #require(try RelayedClient(id: 9, peer: "2001:db8:1::9").lease(port: server.port))
        #expect(Self.psid(again) == 2, "\(again)")
    }

    @Test func checkConfigRefusesAReservationOutsideEveryPoolAndNamesIt() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = """
            { "server-id": "192.0.2.1", "lease-log": { "directory": "\(directory)/log" },
              "pools": [ \(Self.pool) ],
              "reservations": [
                { "client": "\(Self.clientKey(id: 9))", "address": "198.51.100.7", "psid": 2, "psid-length": 2 },
                { "client": "hw:01:02:00:00:00:00:09", "address": "198.51.100.8", "psid": 1, "psid-length": 2 } ] }
            """
        try configuration.write(toFile: directory + "/server.json", atomically: true, encoding: .utf8)
        let result = try CommandLineTests.run(["check-config", directory + "/server.json"])
        #expect(result.status != 0)
        #expect(
            result.errors.contains("reservations[1]") && result.errors.contains("198.51.100.8 is in no pool"),
            "\(result.errors)")
    }
}
