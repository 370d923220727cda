import Foundation
import PortLeaseWire
import Testing

@testable import portlease

/// A reservation by subscriber key in a real `portlease serve` with two workers: made through
/// the CLI, given over the wire to the line's client and to no other line even with the pool
/// otherwise full, taken over by a replaced CPE on the other shard (the old lease ends with a
/// forced-release record), and kept across a SIGKILL.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: "/usr/include/liburing.h"), "liburing is not installed"))
struct SubscriberReservationProcessTests {
    static let address = ReservationAPIProcessTests.address
    /// The Remote-ID `portlease client --remote-id line-1` sends: enterprise 0, then the text.
    static let line =
        "remote-id:00:00:00:00:"
        + Array("line-1".utf8).map { String(format: "%02x", $0) }.joined(
            separator: ":")

    /// The shard of 2 that `portlease client --id id` lands on.
    static func shard(id: Int) -> Int {
        Int(ClientKey(text: ReservationProcessTests.clientKey(id: UInt32(id)))!.stableHash % 2)
    }

    @Test func aLinesReservationGoesToItsCPEAndAReplacedCPETakesItOver() throws {
        let server = try RelayedServer(workers: 2, pools: ReservationProcessTests.pool)
        defer { server.stop() }
        #expect(server.started, "\(server.process.log)")
        let config = server.directory + "/server.json"
        let added = try CommandLineTests.run([
            "reservation", "add", "--config", config, "--subscriber", Self.line, "--address", Self.address, "--psid",
            "2", "--psid-length", "2",
        ])
        #expect(added.status == 0, "\(added.errors)")
        #expect(
            added.output.hasPrefix("reserved \(Self.address)  psid 2/2 (offset 6)  \(Self.line)"), "\(added.output)")
        let api = ControlClient(socketPath: server.directory + "/log/control/api.sock")
        let listBody = try JSONSerialization.jsonObject(with: Data(try api.send("GET", "/v1/reservations").body))
        #expect(try ControlAPIProcessTests.mismatches(listBody, schema: "ReservationList").isEmpty)
        let bad = try api.send(
            "POST", "/v1/reservations",
            body: Array(#"{ "subscriber": "line-1", "address": "\#(Self.address)" }"#.utf8),
            headers: ["Content-Type: application/json"])
        #expect(bad.status == 400 && String(decoding: bad.body, as: UTF8.self).contains("\"subscriber\""))

        // Other lines fill the three other port sets; none gets PSID 2.
        var others: [String] = []
        for id in 1...6 {
            let client = RelayedClient(id: id, peer: "2001:db8:1::\(id)", remoteID: "line-\(id + 10)")
            if let lease = try client.lease(port: server.port) { others.append(lease) }
        }
        #expect(Set(others.compactMap(ReservationProcessTests.psid)) == [0, 1, 3], "\(others)")

        // The line's CPE gets it; a replacement CPE on the other shard takes it over.
        let oldID = (20...40).first { Self.shard(id: $0) == 0 }!
        let newID = (20...40).first { Self.shard(id: $0) == 1 }!
        let old = try #require(
            try RelayedClient(id: oldID, peer: "2001:db8:2::1", remoteID: "line-1").lease(port: server.port))
        #expect(ReservationProcessTests.psid(old) == 2, "\(old)")
        var attempts: [String?] = []
        while attempts.count < 5, attempts.last??.isEmpty != false {
            attempts.append(
                try RelayedClient(id: newID, peer: "2001:db8:2::2", remoteID: "line-1").lease(port: server.port) ?? "")
        }
        let new = try #require(attempts.last ?? nil)
        #expect(ReservationProcessTests.psid(new) == 2, "\(attempts)")
        #expect(attempts.first == "", "the first DISCOVER waits for the other shard to end the old lease")
        let oldKey = ReservationProcessTests.clientKey(id: UInt32(oldID))
        #expect(try CommandLineTests.run(["lease", "show", "--config", config, "--client", oldKey]).status == 1)
        let now = Int(Date().timeIntervalSince1970) - 5
        let traced = try api.send(
            "GET", "/v1/trace?address=\(Self.address)&port=1536&at=\(now)&until=\(now + 10)")
        let holdings = try #require(
            (try JSONSerialization.jsonObject(with: Data(traced.body)) as? [String: Any])?["holdings"]
                as? [[String: Any]])
        #expect(
            holdings.contains { $0["client"] as? String == oldKey && $0["ended"] as? String == "forced-release" },
            "\(holdings)")

        // SIGKILL and a restart: the reservation and its holder hold; other lines still never get it.
        kill(server.process.process.processIdentifier, SIGKILL)
        #expect(server.process.waitForExit() != nil)
        let restarted = try ServeProcess(config: config, logPath: server.directory + "/again.log")
        defer { restarted.stop() }
        #expect(restarted.waitFor("control API listening"), "\(restarted.log)")
        let newKey = ReservationProcessTests.clientKey(id: UInt32(newID))
        let shown = try CommandLineTests.run(["lease", "show", "--config", config, "--client", newKey])
        #expect(shown.status == 0 && shown.output.contains("psid 2/2"), "\(shown.output)")
        let stranger = try RelayedClient(id: 99, peer: "2001:db8:3::1", remoteID: "line-99").lease(port: server.port)
        #expect(stranger == nil, "\(stranger ?? "")")
        let removed = try CommandLineTests.run([
            "reservation", "remove", "--config", config, "--subscriber", Self.line,
        ])
        #expect(removed.status == 0, "\(removed.output) \(removed.errors)")
    }

    @Test func forcedOverAnotherLinesLeaseAndRemovedAgainWithRefusalsNamingTheField() throws {
        let server = try RelayedServer(workers: 2, pools: ReservationProcessTests.pool)
        defer { server.stop() }
        #expect(server.started, "\(server.process.log)")
        let config = server.directory + "/server.json"
        let api = ControlClient(socketPath: server.directory + "/log/control/api.sock")
        // Another line's CPE holds PSID 0 (the first set handed out).
        let stranger = try #require(
            try RelayedClient(id: 50, peer: "2001:db8:4::1", remoteID: "line-50").lease(port: server.port))
        #expect(ReservationProcessTests.psid(stranger) == 0, "\(stranger)")
        let arguments = [
            "reservation", "add", "--config", config, "--subscriber", Self.line, "--address", Self.address, "--psid",
            "0", "--psid-length", "2",
        ]
        let refused = try CommandLineTests.run(arguments)
        #expect(refused.status != 0 && refused.errors.contains("is held by"), "\(refused.output) \(refused.errors)")
        let forced = try CommandLineTests.run(arguments + ["--force"])
        let strangerKey = ReservationProcessTests.clientKey(id: 50)
        #expect(forced.status == 0 && forced.output.contains("ended the lease of \(strangerKey)"), "\(forced.output)")
        #expect(try CommandLineTests.run(["lease", "show", "--config", config, "--client", strangerKey]).status == 1)
        let line = try #require(
            try RelayedClient(id: 51, peer: "2001:db8:4::2", remoteID: "line-1").lease(port: server.port))
        #expect(ReservationProcessTests.psid(line) == 0, "\(line)")

        // Refusals name the field; nothing changes.
        let json = ["Content-Type: application/json"]
        let cases: [(String, String, String)] = [
            ("DELETE", "/v1/reservations?client=id:01&subscriber=\(Self.line)", "subscriber"),
            ("DELETE", "/v1/reservations", "client"),
            ("DELETE", "/v1/reservations?subscriber=remote-id:00:00:0d:e9", "subscriber"),
            ("POST", #"{ "subscriber": "prefix:::/0", "address": "\#(Self.address)" }"#, "subscriber"),
        ]
        for (method, target, field) in cases {
            let response =
                method == "POST"
                ? try api.send("POST", "/v1/reservations", body: Array(target.utf8), headers: json)
                : try api.send(method, target)
            let (status, gotField, reason) = ReservationAPIProcessTests.refusal(response)
            #expect(status == 400 && gotField == field, "\(target): \(status) \(gotField ?? "-") \(reason)")
        }
        // Removed while the line's client holds it: it keeps its lease, and others still get the rest.
        let removed = try api.send(
            "DELETE", "/v1/reservations?subscriber=\(Self.line.replacingOccurrences(of: ":", with: "%3A"))")
        #expect(removed.status == 200, "\(String(decoding: removed.body, as: UTF8.self))")
        let kept = try CommandLineTests.run([
            "lease", "show", "--config", config, "--client", ReservationProcessTests.clientKey(id: 51),
        ])
        #expect(kept.status == 0, "\(kept.output)")
        #expect(
            try String(contentsOfFile: server.directory + "/log/reservations.json", encoding: .utf8).contains(
                "remote-id") == false)
    }
}
