import Foundation
import Testing

extension RedundancyProcessTests {
    /// A failback cut short by a partition between the partners once the standby has handed its
    /// leases back (`slow-take-back` holds the old active there): the old active applies them
    /// (logging copies it cannot stream), the standby hears nothing for takeover-after, gives the
    /// failback up and serves the group again. Once the link heals, the copies streamed back do
    /// not bring back a lease the standby has ended meanwhile, and a failback then ends well.
    @Test func aFailbackCutShortLeavesTheStandbyServingAndItsLeasesAsTheyAre() throws {
        try Self.withPair { network, a, b, port throws in
            var tuples: [Int: String] = [:]
            for id in 1...3 { tuples[id] = try Self.lease(network, id: id, port: port, seconds: 5) }
            a.process?.kill9()
            #expect(b.process?.waitFor("pool group taken over", seconds: 15) == true, "\(b.log)")
            let reserved = try Self.lease(network, id: 4, port: port)
            #expect(reserved?.hasPrefix("203.0.113.") == true)

            try a.start(environment: ["PORTLEASE_INJECT_FAULT": "slow-take-back"])
            #expect(a.process?.waitFor("pool group not served: the standby took it over") == true, "\(a.log)")
            let config = a.directory + "/server.json"
            nonisolated(unsafe) var cut: CommandLineTests.Result?
            let command = Thread { cut = try? CommandLineTests.run(["failback", "--config", config]) }
            command.start()
            #expect(
                a.process?.waitFor("failback: waiting before applying the standby's leases") == true, "\(a.log)")
            try network.partition("a", "b")

            // The standby hears nothing, gives the failback up and serves the group again.
            #expect(b.process?.waitFor("failback not finished", seconds: 15) == true, "\(b.redundancyLog)")
            #expect(a.process?.waitFor("pool groups' leases taken back", seconds: 10) == true, "\(a.log)")
            #expect(try b.groupState() == "partner-down")
            let marker = b.directory + "/log/replication/g1.handed-back"
            #expect(FileManager.default.fileExists(atPath: marker))
            // Client 4 gives its port set back meanwhile.
            #expect(try network.lease(id: 4, port: port, timeoutMilliseconds: 2000, release: true) != nil)
            #expect(
                ServeProcess.poll(seconds: 5) {
                    do { return try b.boundLease(of: 4) == nil } catch { return false }
                })

            // Healed: the old active streams what it logged, copies of the standby's leases among
            // them, and hears that the standby gave the failback up: the command fails, the old
            // active stays yielded, and client 4's lease stays ended on the standby.
            try network.partition("a", "b", cut: false)
            #expect(ServeProcess.poll(seconds: 20) { command.isFinished })
            #expect(cut?.status == 1 && cut?.errors.contains("gave the failback") == true, "\(cut?.errors ?? "")")
            #expect(try a.groupState() == "yielded")
            #expect(
                ServeProcess.poll(seconds: 10) { (try? a.groupStatus())??["standbyBehindRecords"] as? Int == 0 },
                "\(a.redundancyLog)")
            #expect(try b.boundLease(of: 4) == nil, "\(b.redundancyLog)")
            for id in 1...3 { #expect(try b.boundLease(of: id) == tuples[id], "client \(id)") }

            // A failback now ends well: the old active has the standby's view, client 4 holds nothing.
            let done = try CommandLineTests.run(["failback", "--config", config])
            #expect(done.status == 0, "\(done.errors)\n\(a.redundancyLog)\n\(b.redundancyLog)")
            #expect(try a.groupState() == "active")
            #expect(try a.boundLease(of: 4) == nil)
            for id in 1...3 { #expect(try a.boundLease(of: id) == tuples[id], "client \(id)") }
            #expect(!FileManager.default.fileExists(atPath: marker))
            _ = ServeProcess.poll(seconds: 5) { command.isFinished }
        }
    }

    /// With `"failback-after"`, the old active fails its group back by itself once its link to
    /// the standby has been up that long: no command, and every lease kept.
    @Test func withFailbackAfterTheOldActiveTakesItsGroupBackByItself() throws {
        try Self.withPair(options: .init(redundancy: #""failback-after": 2,"#)) { network, a, b, port throws in
            let tuples = try Self.takeOverWithAReserveLease(network, a, b, port: port)
            try a.start()
            #expect(a.process?.waitFor("pool group not served: the standby took it over") == true, "\(a.log)")
            #expect(
                a.process?.waitFor("pool group failed back by itself", seconds: 20) == true, "\(a.redundancyLog)")
            #expect(try a.groupState() == "active")
            #expect(ServeProcess.poll(seconds: 10) { (try? b.groupState()) == "standby" }, "\(b.redundancyLog)")
            for (client, tuple) in tuples { #expect(try a.boundLease(of: client) == tuple, "client \(client)") }
            let fresh = try Self.keptAndAFreshOne(network, tuples, port: port)
            #expect(try b.lease(of: 6) == fresh)
        }
    }
}
