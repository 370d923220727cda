import Foundation
import Testing

extension RedundancyProcessTests {
    /// A standby that has not caught up with its active takes no role: started while its
    /// active is down, it stays a standby however long the active is silent. Once the active
    /// has said it caught up, it takes over when the active dies, also after a restart of its
    /// own while the active is still down (the word is kept on disk), and the client keeps its
    /// port set.
    @Test func aStandbyTakesNoRoleUntilItHasCaughtUp() throws {
        let network = try PartnerNetwork()
        defer { network.stop() }
        let certificates = try Self.makeCertificates()
        defer { try? FileManager.default.removeItem(atPath: certificates) }
        let port = FailurePolicyTests.port()
        let a = try Partner("a", network: network, port: port, certificates: certificates, options: .init())
        let b = try Partner("b", network: network, port: port, certificates: certificates, options: .init())
        defer { [a, b].forEach { $0.stop() } }

        // The active has never been heard from: silent for well past takeover-after (3 s).
        try b.start()
        #expect(b.process?.waitFor("has not caught up with it", seconds: 20) == true, "\(b.redundancyLog)")
        #expect(try b.groupState() == "standby")
        #expect(try b.groupStatus()?["caughtUp"] as? Bool == false)
        #expect(!b.log.contains("pool group taken over"), "\(b.redundancyLog)")

        try a.start()
        #expect(b.process?.waitFor("caught up with the active", seconds: 20) == true, "\(b.redundancyLog)")
        #expect(try b.groupStatus()?["caughtUp"] as? Bool == true)
        #expect(try a.groupStatus()?["caughtUp"] == nil)
        let tuple = try Self.lease(network, id: 1, port: port, seconds: 5)
        #expect(tuple != nil)

        // Both die; the standby comes back alone and takes over from what it has on disk.
        a.process?.kill9()
        b.process?.kill9()
        try b.start()
        #expect(b.process?.waitFor("pool group taken over", seconds: 20) == true, "\(b.redundancyLog)")
        #expect(try Self.lease(network, id: 1, port: port, seconds: 10) == tuple, "\(b.redundancyLog)")
    }
}
