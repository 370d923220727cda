import Foundation
import Synchronization
import Testing

@testable import portlease

/// Reservations through the control API of a real `portlease serve` with two workers: made,
/// refused with the reason, forced over a holder, kept across a SIGKILL, and removed.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: "/usr/include/liburing.h"), "liburing is not installed"))
struct ReservationAPIProcessTests {
    static let address = "198.51.100.7"

    static func body(_ fields: String) -> [UInt8] { Array("{ \(fields) }".utf8) }

    /// Status, error field and reason of a refused request.
    static func refusal(_ response: ControlClient.Response) -> (Int, String?, String) {
        let error = (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])?["error"]
        let detail = error as? [String: Any]
        return (response.status, detail?["field"] as? String, detail?["reason"] as? String ?? "")
    }

    @Test func reservationsAreMadeRefusedForcedKeptAndRemoved() throws {
        let key = ReservationProcessTests.clientKey
        let configured = #"{ "client": "\#(key(7))", "address": "\#(Self.address)", "psid": 3, "psid-length": 2 }"#
        let server = try RelayedServer(
            workers: 2, pools: ReservationProcessTests.pool, members: #""reservations": [ \#(configured) ],"#)
        defer { server.stop() }
        #expect(server.started, "\(server.process.log)")
        #expect(server.process.waitFor("control API listening"), "\(server.process.log)")
        let config = server.directory + "/server.json"
        let api = ControlClient(socketPath: server.directory + "/log/control/api.sock")
        let json = ["Content-Type: application/json"]

        // Client 9 gets PSID 2, through the CLI.
        let added = try CommandLineTests.run([
            "reservation", "add", "--config", config, "--client", key(9), "--address", Self.address, "--psid", "2",
            "--psid-length", "2",
        ])
        #expect(added.status == 0, "\(added.errors)")
        #expect(added.output.hasPrefix("reserved \(Self.address)  psid 2/2 (offset 6)  \(key(9))"), "\(added.output)")
        let stored = try String(contentsOfFile: server.directory + "/log/reservations.json", encoding: .utf8)
        #expect(stored.contains(key(9)) && !stored.contains(key(7)), "\(stored)")
        let listed = try CommandLineTests.run(["reservation", "list", "--config", config])
        let lines = listed.output.split(separator: "\n")
        #expect(lines.count == 2, "\(listed.output)")
        #expect(lines.first?.contains(key(9)) == true && lines.first?.hasSuffix("[api]") == true, "\(listed.output)")
        #expect(lines.last?.contains(key(7)) == true && lines.last?.hasSuffix("[configuration]") == true)

        // The bodies are as Docs/openapi.json describes them.
        let listBody = try JSONSerialization.jsonObject(with: Data(try api.send("GET", "/v1/reservations").body))
        #expect(try ControlAPIProcessTests.mismatches(listBody, schema: "ReservationList").isEmpty)
        let addedBody = try JSONSerialization.jsonObject(
            with: Data(
                try CommandLineTests.run([
                    "reservation", "add", "--config", config, "--client", key(10), "--address", Self.address,
                    "--psid", "1", "--psid-length", "2", "--json",
                ]).output.utf8))
        #expect(try ControlAPIProcessTests.mismatches(addedBody, schema: "ReservationChange").isEmpty)
        let removedBody = try api.send("DELETE", "/v1/reservations?client=\(key(10))")
        #expect(removedBody.status == 200)
        #expect(
            try ControlAPIProcessTests.mismatches(
                try JSONSerialization.jsonObject(with: Data(removedBody.body)), schema: "ReservationChange"
            ).isEmpty)

        // Four other clients share the two port sets left.
        var holders: [Int: Int] = [:]
        for id in 1...4 {
            if let lease = try RelayedClient(id: id, peer: "2001:db8:1::\(id)").lease(port: server.port) {
                holders[ReservationProcessTests.psid(lease) ?? -1] = id
            }
        }
        #expect(Set(holders.keys) == [0, 1], "\(holders)")

        // Refusals, each with its status, field and reason; nothing changes.
        let cases: [(String, Int, String?, String)] = [
            (
                #""client": "\#(key(8))", "address": "\#(Self.address)", "psid": 0, "psid-length": 2"#, 409, "address",
                "held by"
            ),
            (
                #""client": "\#(key(8))", "address": "\#(Self.address)", "psid": 2, "psid-length": 2"#, 409, "address",
                "overlaps"
            ),
            (
                #""client": "\#(key(9))", "address": "\#(Self.address)", "psid": 1, "psid-length": 2"#, 409, "client",
                "already has"
            ),
            (
                #""client": "\#(key(8))", "address": "198.51.100.8", "psid": 0, "psid-length": 2"#, 409, "address",
                "in no pool"
            ),
            (
                #""client": "\#(key(8))", "address": "\#(Self.address)", "psid": 0, "psid-length": 3"#, 409,
                "psid-length", "offers PSID lengths 2"
            ),
            (#""client": "\#(key(8))", "address": "\#(Self.address)", "psid": 0"#, 400, nil, "give both"),
            (#""client": "nobody", "address": "\#(Self.address)""#, 400, "client", "is not id:HEX"),
            (#""client": "\#(key(8))", "address": "\#(Self.address)", "colour": "red""#, 400, "colour", "unknown key"),
        ]
        for (fields, status, field, reason) in cases {
            let (got, gotField, gotReason) = Self.refusal(
                try api.send("POST", "/v1/reservations", body: Self.body(fields), headers: json))
            #expect(
                got == status && gotField == field && gotReason.contains(reason),
                "\(fields): \(got) \(gotField ?? "-") \(gotReason)")
        }
        #expect(try api.send("POST", "/v1/reservations", body: Array("{ nope".utf8), headers: json).status == 400)
        #expect(try api.send("POST", "/v1/reservations", body: Self.body("")).status == 415)
        #expect(Self.refusal(try api.send("DELETE", "/v1/reservations?client=\(key(7))")).0 == 409)
        #expect(Self.refusal(try api.send("DELETE", "/v1/reservations?client=\(key(8))")).0 == 404)
        #expect(try String(contentsOfFile: server.directory + "/log/reservations.json", encoding: .utf8) == stored)

        // Forced: the holder of PSID 0 loses its lease (logged), and client 8 gets the set.
        let holder = try #require(holders[0])
        let forced = try CommandLineTests.run([
            "reservation", "add", "--config", config, "--client", key(8), "--address", Self.address, "--psid", "0",
            "--psid-length", "2", "--force",
        ])
        #expect(forced.status == 0, "\(forced.errors)")
        #expect(forced.output.contains("ended the lease of \(key(UInt32(holder)))"), "\(forced.output)")
        let shown = try CommandLineTests.run(["lease", "show", "--config", config, "--client", key(UInt32(holder))])
        #expect(shown.status == 1, "\(shown.output)")
        let eight = try #require(try RelayedClient(id: 8, peer: "2001:db8:1::8").lease(port: server.port))
        #expect(ReservationProcessTests.psid(eight) == 0, "\(eight)")

        // SIGKILL and a restart: both API reservations and the configured one hold.
        kill(server.process.process.processIdentifier, SIGKILL)
        #expect(server.process.waitForExit() != nil)
        let restarted = try ServeProcess(config: config, logPath: server.directory + "/again.log")
        defer { restarted.stop() }
        #expect(restarted.waitFor("control API listening"), "\(restarted.log)")
        let after = try CommandLineTests.run(["reservation", "list", "--config", config])
        #expect(after.output.split(separator: "\n").count == 3, "\(after.output)")
        let nine = try #require(try RelayedClient(id: 9, peer: "2001:db8:1::9").lease(port: server.port))
        #expect(ReservationProcessTests.psid(nine) == 2, "\(nine)")

        // Removed: client 9 keeps its lease; the set is free once it releases it.
        let removed = try CommandLineTests.run(["reservation", "remove", "--config", config, "--client", key(9)])
        #expect(
            removed.status == 0 && removed.output.hasPrefix("removed \(Self.address)  psid 2/2"),
            "\(removed.output) \(removed.errors)")
        #expect(try CommandLineTests.run(["lease", "show", "--config", config, "--client", key(9)]).status == 0)
        #expect(
            try String(contentsOfFile: server.directory + "/log/reservations.json", encoding: .utf8).contains(key(8)))
    }
}

/// Changes to the reservations take turns, even when requests arrive together.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: "/usr/include/liburing.h"), "liburing is not installed"))
struct ReservationConcurrencyTests {
    @Test func requestsTogetherForOneClientMakeOneReservation() throws {
        let server = try RelayedServer(
            workers: 2, pools: #"{ "name": "map", "addresses": ["198.51.100.0/30"], "shared": { "psid-length": 6 } }"#)
        defer { server.stop() }
        #expect(server.started, "\(server.process.log)")
        // The control API starts after the packet path: wait for it, or the requests find no socket.
        #expect(server.process.waitFor("control API listening"), "\(server.process.log)")
        let socket = server.directory + "/log/control/api.sock"
        let client = ReservationProcessTests.clientKey(id: 11)
        let statuses = Mutex<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            let body =
                #"{ "client": "\#(client)", "address": "198.51.100.1", "psid": \#(index + 1), "psid-length": 6 }"#
            let response = try? ControlClient(socketPath: socket).send(
                "POST", "/v1/reservations", body: Array(body.utf8), headers: ["Content-Type: application/json"])
            statuses.withLock { $0.append(response?.status ?? 0) }
        }
        let all = statuses.withLock { $0 }
        #expect(all.filter { $0 == 201 }.count == 1, "\(all)")
        #expect(all.filter { $0 == 409 }.count == 7, "\(all)")
        let stored = try String(contentsOfFile: server.directory + "/log/reservations.json", encoding: .utf8)
        #expect(stored.components(separatedBy: client).count == 2, "\(stored)")
    }
}
