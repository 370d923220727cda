import Foundation
import Testing

@testable import portlease

/// Lease lookups beyond the client (`GET /v1/leases?address=|pool=|remote-id=|...`) against a
/// real `portlease serve` with two workers: each shard searched in steps, merged in address
/// order, paged by cursor, and completed from the lease log.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: "/usr/include/liburing.h"), "liburing is not installed"))
struct LeaseSearchProcessTests {
    static func leases(_ response: ControlClient.Response) throws -> (leases: [[String: Any]], next: String?) {
        let body = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        return (body["leases"] as? [[String: Any]] ?? [], body["next"] as? String)
    }

    static func hex(_ text: String) -> String {
        "00000000" + text.utf8.map { String(format: "%02x", $0) }.joined()
    }

    @Test func leasesAreFoundByAddressPoolAndSubscriberAndPagedInOrder() throws {
        let server = try RelayedServer(
            workers: 2, limits: #"{ "subscriber-key": "remote-id" }"#,
            pools: #"{ "name": "map", "addresses": ["198.51.100.0/30"], "shared": { "psid-length": 6 } }"#)
        defer { server.stop() }
        #expect(server.started, "\(server.process.log)")
        var granted: [Int: String] = [:]
        for id in 1...7 {
            let client = RelayedClient(
                id: id, peer: "2001:db8:\(id)::1", remoteID: id <= 3 ? "line-1" : "line-2",
                subscriberID: id <= 3 ? "cust-a" : "cust-b")
            granted[id] = try #require(try client.lease(port: server.port))
        }
        let api = ControlClient(socketPath: server.directory + "/log/control/api.sock")
        let key = { (id: Int) in ReservationProcessTests.clientKey(id: UInt32(id)) }

        // By client: completed from the log with the subscriber, its relay and the start.
        let (byClient, _) = try Self.leases(try api.send("GET", "/v1/leases?client=\(key(1))&detail=true"))
        let one = try #require(byClient.first)
        #expect(one["subscriber"] as? String == "2001:db8:1::1", "\(one)")
        #expect((one["relay"] as? [String: Any])?["remoteID"] as? String == Self.hex("line-1"), "\(one)")
        #expect((one["relay"] as? [String: Any])?["linkAddress"] as? String == "2001:db8:ffff::1")
        #expect((one["startMilliseconds"] as? Int).map { $0 > 0 } == true)

        // By address and port: exactly the client whose port set holds the port.
        let lease = try #require(granted[2])
        let parts = lease.split(separator: " ")
        let address = String(parts[1])
        let psid = try #require(Int(parts[parts.firstIndex(of: "psid")! + 1]))
        let port = (1 << 10) | (psid << 4) | 3  // offset 6, length 6: the first block's ports of PSID p
        let byPort = try api.send("GET", "/v1/leases?address=\(address)&port=\(port)&detail=true")
        #expect(byPort.status == 200)
        let (found, _) = try Self.leases(byPort)
        #expect(found.map { $0["client"] as? String } == [key(2)], "\(found)")
        #expect(found.first?["subscriber"] as? String == "2001:db8:2::1")
        // Without detail=true, no read of the log: the engine's fields only.
        let plain = try Self.leases(try api.send("GET", "/v1/leases?client=\(key(1))")).leases
        #expect(plain.count == 1 && plain.first?["subscriber"] == nil)
        let byPSID = try Self.leases(try api.send("GET", "/v1/leases?address=\(address)&psid=\(psid)&psid-length=6"))
        #expect(byPSID.leases.count == 1)
        let onAddress = try Self.leases(try api.send("GET", "/v1/leases?address=\(address)")).leases
        #expect(onAddress.count == granted.values.filter { $0.contains(" \(address) ") }.count)

        // A pool, three at a time: every lease once, in (address, PSID) order.
        var listed: [String] = []
        var after: String?
        var pages = 0
        repeat {
            let page = try Self.leases(
                try api.send("GET", "/v1/leases?pool=map&limit=3" + (after.map { "&after=\($0)" } ?? "")))
            #expect(page.leases.count <= 3)
            listed += page.leases.compactMap { "\($0["address"] as? String ?? "")/\($0["psid"] as? Int ?? -1)" }
            after = page.next
            pages += 1
        } while after != nil && pages < 10
        #expect(listed.count == 7 && Set(listed).count == 7, "\(listed)")
        let ordered = listed.sorted {
            let (l, r) = ($0.split(separator: "/"), $1.split(separator: "/"))
            return (IPv4Order.value(String(l[0])), Int(l[1])!) < (IPv4Order.value(String(r[0])), Int(r[1])!)
        }
        #expect(listed == ordered)
        #expect(pages == 3)

        // By subscriber (the Remote-ID, as the server tells subscribers apart).
        let line2 = try Self.leases(try api.send("GET", "/v1/leases?remote-id=\(Self.hex("line-2"))")).leases
        #expect(Set(line2.compactMap { $0["client"] as? String }) == Set((4...7).map(key)))
        // By keys the engines do not keep (subscriber-key is remote-id): from the lease logs.
        let ids = { (query: String) throws -> Set<String> in
            Set(
                try Self.leases(try api.send("GET", "/v1/leases?\(query)")).leases.compactMap {
                    $0["client"] as? String
                })
        }
        let custA = "subscriber-id=" + Array("cust-a".utf8).map { String(format: "%02x", $0) }.joined()
        let custB = "subscriber-id=" + Array("cust-b".utf8).map { String(format: "%02x", $0) }.joined()
        #expect(try ids(custA) == Set((1...3).map(key)))
        #expect(try ids("subscriber=2001:db8:5::/48") == [key(5)])
        #expect(try ids("subscriber=2001:db8:6::1") == [key(6)])
        #expect(try ids("subscriber=2001:db8::/32").count == 7)
        // Client 2's CPE now shows cust-b: its latest record decides, not an older one.
        let moved = RelayedClient(id: 2, peer: "2001:db8:2::1", remoteID: "line-1", subscriberID: "cust-b")
        #expect(try moved.lease(port: server.port) == granted[2])
        #expect(try ids(custA) == [key(1), key(3)])
        #expect(try ids(custB) == Set([2, 4, 5, 6, 7].map(key)))
        let limited = try Self.leases(try api.send("GET", "/v1/leases?\(custB)&limit=2"))
        #expect(limited.leases.count == 2 && limited.next != nil)
        let rest = try ids("\(custB)&after=\(limited.next ?? "")")
        #expect(rest.count == 3 && rest.isDisjoint(with: limited.leases.compactMap { $0["client"] as? String }))
        let body = try JSONSerialization.jsonObject(with: Data(try api.send("GET", "/v1/leases?pool=map").body))
        #expect(try ControlAPIProcessTests.mismatches(body, schema: "LeaseList").isEmpty)

        // Refusals name the parameter.
        for (query, status, field) in [
            ("", 400, "client"), ("address=\(address)&pool=map", 400, "address"),
            ("subscriber-id=zz", 400, "subscriber-id"), ("subscriber=nope", 400, "subscriber"),
            ("address=nope", 400, "address"), ("pool=map&after=x", 400, "after"), ("pool=map&limit=0", 400, "limit"),
            ("address=\(address)&psid=1", 400, "psid"), ("pool=nope", 404, "pool"),
            ("pool=map&detail=yes", 400, "detail"),
        ] as [(String, Int, String?)] {
            let response = try api.send("GET", "/v1/leases?\(query)")
            let error = (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])?["error"]
            #expect(response.status == status, "\(query): \(response.status)")
            #expect((error as? [String: Any])?["field"] as? String == field, "\(query)")
        }
    }
}

/// IPv4 text to its numeric order, for checking a listing's order.
enum IPv4Order {
    static func value(_ text: String) -> UInt32 {
        text.split(separator: ".").reduce(0) { $0 << 8 | (UInt32($1) ?? 0) }
    }
}
