import Foundation
import Testing

/// Pool precedence in a real `portlease serve` with 2 and 4 workers: an lw4o6 pool
/// matched on its relay's link, and a MAP pool without `match`, in either order.
@Suite(
    .serialized,
    .enabled(if: FileManager.default.fileExists(atPath: "/usr/include/liburing.h"), "liburing is not installed"))
struct PoolSelectionProcessTests {
    /// One address, PSID offset 0, 4 port sets of 16,384 ports.
    static let lw4o6 = #"""
        { "name": "lw4o6", "addresses": ["192.0.2.10"],
          "shared": { "psid-offset": 0, "psid-length": 2, "reserved-ports": [] },
          "match": { "link-addresses": ["2001:db8:10::/48"] } }
        """#

    static func map(fallback: Bool) -> String {
        #"{ "name": "map", "addresses": ["198.51.100.0/28"], "shared": { "psid-length": 6 }, "fallback": \#(fallback) }"#
    }

    static func onLink(_ id: Int) -> RelayedClient {
        RelayedClient(id: id, peer: "2001:db8:100:\(id)::1", linkAddress: "2001:db8:10::1")
    }

    @Test(arguments: [2, 4], [true, false])
    func aMatchedLinkIsServedOnlyByItsPoolAndItsExhaustionIsCounted(workers: Int, lw4o6First: Bool) throws {
        let pools =
            lw4o6First ? Self.lw4o6 + ", " + Self.map(fallback: false) : Self.map(fallback: false) + ", " + Self.lw4o6
        let server = try RelayedServer(workers: workers, pools: pools, metrics: true)
        defer { server.stop() }
        #expect(server.started, "\(server.process.log)")
        let port = server.port
        let leases = try (1...4).compactMap { try Self.onLink($0).lease(port: port) }
        #expect(leases.count == 4)
        #expect(leases.allSatisfy { $0.contains("192.0.2.10 port set offset 0 psid-len 2") }, "\(leases)")
        // The lw4o6 pool is full: the next client on its link gets nothing, not a MAP port set.
        #expect(try Self.onLink(5).lease(port: port) == nil)
        let metrics = server.metrics
        #expect(metrics.contains("portlease_pool_exhausted_total{pool=\"lw4o6\"} 1"), "\(metrics)")
        #expect(metrics.contains("portlease_pool_exhausted_total{pool=\"map\"} 0"))
        #expect(metrics.contains("portlease_pool_utilisation_alarm{pool=\"lw4o6\"} 1"))
        if workers == 2 && lw4o6First {
            // The drop reporter's line names the pool (it reports every 10 s).
            #expect(server.process.waitFor("pool full: clients refused a new lease", seconds: 15))
            #expect(server.process.log.contains("pool=lw4o6"))
        }
        // A client on another link is served by the MAP pool.
        let elsewhere = try RelayedClient(id: 9, peer: "2001:db8:200::1", linkAddress: "2001:db8:20::1").lease(
            port: port)
        #expect(elsewhere?.contains("offset 6") == true, "\(elsewhere ?? "no lease")")
    }

    @Test func aFallbackPoolTakesOverOnlyOnceTheMatchedPoolIsFull() throws {
        let server = try RelayedServer(workers: 2, pools: Self.map(fallback: true) + ", " + Self.lw4o6)
        defer { server.stop() }
        #expect(server.started, "\(server.process.log)")
        let port = server.port
        let leases = try (1...5).compactMap { try Self.onLink($0).lease(port: port) }
        #expect(leases.count == 5)
        #expect(leases.prefix(4).allSatisfy { $0.contains("offset 0") }, "\(leases)")
        #expect(leases.last?.contains("offset 6") == true, "\(leases)")
    }
}
