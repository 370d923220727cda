import Foundation
import Testing

/// RFC 7618 section 10's limit in a real `portlease serve` with 1, 2 and 4 workers:
/// one subscriber's clients land on different shards (they are sharded by client
/// key), and together they still get no more than the limit.
@Suite(
    .serialized,
    .enabled(if: FileManager.default.fileExists(atPath: "/usr/include/liburing.h"), "liburing is not installed"))
struct SubscriberLimitProcessTests {
    static let pool = #"{ "name": "map", "addresses": ["198.51.100.0/26"], "shared": { "psid-length": 6 } }"#

    enum Key: String, CaseIterable, CustomTestStringConvertible {
        case remoteID = "remote-id"
        case subscriberID = "subscriber-id"
        case clientPrefix = "client-prefix/56"

        var testDescription: String { rawValue }

        /// Client `number` of subscriber `site`: its own /64 inside the site's /56.
        func client(_ number: Int, site: Int) -> RelayedClient {
            var client = RelayedClient(id: site * 100 + number, peer: "2001:db8:\(site):\(number)::1")
            switch self {
            case .remoteID: client.remoteID = "site-\(site)"
            case .subscriberID: client.subscriberID = "line-\(site)"
            case .clientPrefix: break
            }
            return client
        }
    }

    @Test(arguments: [1, 2, 4], Key.allCases)
    func oneSubscriberGetsNoMoreThanItsLimitWithAnyWorkerCount(workers: Int, key: Key) throws {
        let server = try RelayedServer(
            workers: workers, limits: #"{ "leases-per-subscriber": 4, "subscriber-key": "\#(key.rawValue)" }"#,
            pools: Self.pool)
        defer { server.stop() }
        #expect(server.started, "\(server.process.log)")
        let port = server.port
        // Seven clients of one subscriber ask in turn: four get a lease.
        let leases = try (1...7).compactMap { try key.client($0, site: 1).lease(port: port) }
        #expect(leases.count == 4, "\(leases)")
        #expect(Set(leases).count == leases.count)
        // Another subscriber is not affected.
        #expect(try key.client(1, site: 2).lease(port: port) != nil)
    }

    @Test(arguments: [2, 4])
    func aMovedClientKeepsOneLeaseAndFreesItsOldPlace(workers: Int) throws {
        let server = try RelayedServer(
            workers: workers, limits: #"{ "leases-per-subscriber": 1, "subscriber-key": "remote-id" }"#,
            pools: Self.pool)
        defer { server.stop() }
        #expect(server.started, "\(server.process.log)")
        let port = server.port
        var moving = Key.remoteID.client(1, site: 1)
        let first = try #require(try moving.lease(port: port))
        // The CPE moves to site 2, which has room: the same lease follows it, site 1's place is free.
        moving.remoteID = "site-2"
        #expect(try moving.lease(port: port) == first)
        #expect(try Key.remoteID.client(2, site: 1).lease(port: port) != nil)
        // Back to site 1, now full: it gets nothing, and site 2's place is freed with its lease.
        moving.remoteID = "site-1"
        #expect(try moving.lease(port: port) == nil)
        #expect(try Key.remoteID.client(3, site: 2).lease(port: port) != nil)
    }
}
