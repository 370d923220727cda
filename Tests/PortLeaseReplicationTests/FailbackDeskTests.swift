import NIOCore
import PortLeaseConfiguration
import Testing

@testable import PortLeaseReplication

/// An operator's failback request: refused with the reason when there is nothing to fail back
/// or no link to ask over, sent over the standby's link otherwise, and answered when the
/// connection has served the groups again or the link ended.
struct FailbackDeskTests {
    /// Instance "a": active of g1 and g3 (standby b), standby of g2 (active b).
    static func configuration() throws -> ServerConfiguration.Redundancy {
        let text = """
            { "server-id": "192.0.2.1", "lease-log": { "directory": "/tmp/portlease-failback-desk" },
              "redundancy": { "instance": "a", "listen": "[::]:8647",
                "tls": { "certificate-file": "/etc/pl/a.pem", "key-file": "/etc/pl/a.key", "ca-file": "/etc/pl/ca.pem" },
                "partners": [ { "name": "b", "address": "[fd00::2]:8647" } ],
                "pool-groups": [ { "name": "g1", "pools": ["p1"], "active": "a", "standby": "b" },
                                 { "name": "g2", "pools": ["p2"], "active": "b", "standby": "a" },
                                 { "name": "g3", "pools": ["p3"], "active": "a", "standby": "b" } ] },
              "pools": [ { "name": "p1", "addresses": ["198.51.100.0/26"], "shared": {} },
                         { "name": "p2", "addresses": ["198.51.100.64/26"], "shared": {} },
                         { "name": "p3", "addresses": ["198.51.100.128/26"], "shared": {} } ] }
            """
        return try #require(try ServerConfiguration.parse(text).redundancy)
    }

    static func desk() throws -> (FailbackDesk, RedundancyStatus) {
        let status = RedundancyStatus(groups: [
            .init(name: "g1", partner: "b", state: .active, since: 0),
            .init(name: "g2", partner: "b", state: .standby, since: 0),
            .init(name: "g3", partner: "b", state: .active, since: 0),
        ])
        return (FailbackDesk(configuration: try configuration(), status: status), status)
    }

    /// The reason `failBack(name)` gives, or nil when it did not throw.
    static func refusal(_ desk: FailbackDesk, _ name: String?) async -> String? {
        do {
            _ = try await desk.failBack(name)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func nothingToFailBackIsRefusedWithTheReason() async throws {
        let (desk, status) = try Self.desk()
        #expect(await Self.refusal(desk, nil)?.contains("no pool group is yielded on a") == true)
        #expect(await Self.refusal(desk, "g1")?.contains("pool group g1 is active on a, not yielded") == true)
        #expect(await Self.refusal(desk, "g2")?.contains("a is not the active of a pool group named g2") == true)
        #expect(await Self.refusal(desk, "nope")?.contains("not the active of a pool group named nope") == true)
        status.set("g1", .yielded)
        #expect(await Self.refusal(desk, "g1")?.contains("the replication link to b") == true)
        #expect(status.state(of: "g1") == .yielded, "nothing changes")
    }

    @Test func aRequestGoesOverTheLinkAndEndsWhenTheConnectionSaysSo() async throws {
        let (desk, status) = try Self.desk()
        status.set("g1", .yielded)
        status.set("g3", .yielded)
        let (writer, sink) = NIOAsyncChannelOutboundWriter<ReplicationFrame>.makeTestingWriter()
        desk.connected("b", writer) { [4, 9] }
        let request = Task { try await desk.failBack(nil) }
        var sent = sink.makeAsyncIterator()
        #expect(await sent.next() == .failback(groups: ["g1", "g3"], through: [4, 9]))
        #expect(desk.pending("b") == ["g1", "g3"])
        // One at a time per standby.
        #expect(await Self.refusal(desk, "g1")?.contains("already under way") == true)
        desk.finish("b", .success(()))
        #expect(try await request.value == ["g1", "g3"])
        #expect(desk.pending("b") == nil)
    }

    @Test func aLinkThatEndsFailsTheRequestUnderWay() async throws {
        let (desk, status) = try Self.desk()
        status.set("g1", .yielded)
        let (writer, sink) = NIOAsyncChannelOutboundWriter<ReplicationFrame>.makeTestingWriter()
        desk.connected("b", writer) { [4, 9] }
        let request = Task { await Self.refusal(desk, "g1") }
        var sent = sink.makeAsyncIterator()
        #expect(await sent.next() == .failback(groups: ["g1"], through: [4, 9]))
        desk.disconnected("b")
        #expect(await request.value?.contains("ended before the failback finished") == true)
        #expect(desk.pending("b") == nil)
        // And the next asks again once the link is back.
        desk.connected("b", writer) { [4, 9] }
        let again = Task { await Self.refusal(desk, "g1") }
        #expect(await sent.next() == .failback(groups: ["g1"], through: [4, 9]))
        desk.finish("b", .failure(FailbackDesk.Refusal("b refused: no")))
        #expect(await again.value == "b refused: no")
    }
}
