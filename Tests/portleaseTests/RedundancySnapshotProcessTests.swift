import Foundation
import PortLeaseTestSupport
import Testing

extension RedundancyProcessTests {
    /// A standby away while its active compacted past it (`standby-log-hold` 0: an absent
    /// standby holds nothing back) catches up from the active's snapshot: it ends the leases
    /// whose end was folded away, keeps the others with their port sets, and takes over with
    /// them. Then once more with its whole lease log lost, as a replaced machine would be.
    @Test func aStandbyBehindTheActivesCompactionCatchesUpFromItsSnapshot() throws {
        let options = Partner.Options(
            leaseLog: #""segment-size": 65536, "compaction-interval": 1,"#, redundancy: #""standby-log-hold": 0,"#)
        try Self.withPair(activeFirst: true, options: options) { network, a, b, port in
            var tuples: [Int: String] = [:]
            for id in 1...6 { tuples[id] = try Self.lease(network, id: id, port: port, seconds: 5) }
            #expect(
                ServeProcess.poll(seconds: 10) { (1...6).allSatisfy { (try? b.lease(of: $0)) ?? nil == tuples[$0] } })

            b.process?.kill9()
            // Clients 1-3 give their port sets back while the standby is away; renewals then
            // fill more than a segment of each shard's log, and compaction folds the releases.
            for id in 1...3 {
                #expect(try network.lease(id: id, port: port, timeoutMilliseconds: 2000, release: true) != nil)
            }
            let load = try CapturedRun.run(
                "/usr/sbin/ip",
                [
                    "netns", "exec", network.clients, DiscoverFloodProcessTests.perf, "run", "--server",
                    PartnerNetwork.address("a"), "--port", "\(port)", "--relays", "1", "--scenario", "renew",
                    "--subscribers", "8", "--rate", "1500", "--duration", "2", "--quiet",
                ], seconds: 60)
            #expect(load.status == 0, "\(load.output)\(load.errors)")
            let snapshots = (0..<2).map { "\(a.directory)/log/shard-\($0)/snapshot" }
            #expect(
                ServeProcess.poll(seconds: 20) { snapshots.allSatisfy { FileManager.default.fileExists(atPath: $0) } },
                "\(a.log)")

            try b.start()
            #expect(
                b.process?.waitFor("caught up from the active's snapshot", seconds: 20) == true, "\(b.redundancyLog)")
            #expect(
                ServeProcess.poll(seconds: 15) {
                    (4...6).allSatisfy { (try? b.lease(of: $0)) ?? nil == tuples[$0] }
                        && (1...3).allSatisfy { id in (try? b.boundLease(of: id) == nil) ?? false }
                }, "\((1...6).map { (try? b.lease(of: $0)) ?? nil }) against \(tuples)\n\(b.redundancyLog)")

            // The active's status shows the catch-up done; the standby's, the partners' clocks.
            #expect(
                ServeProcess.poll(seconds: 10) {
                    (try? a.groupStatus())??["standbyBehindRecords"] as? Int == 0
                        && ((try? b.groupStatus())??["clockSkewMilliseconds"] as? Int).map { abs($0) < 10_000 } == true
                }, "\(String(describing: try? a.groupStatus())) \(String(describing: try? b.groupStatus()))")
            #expect(
                try a.groupStatus()?["clockSkewMilliseconds"] == nil && b.groupStatus()?["standbyBehindRecords"] == nil)

            // A standby whose lease log is gone: nothing to end, everything from the snapshot.
            b.process?.kill9()
            try FileManager.default.removeItem(atPath: b.directory + "/log")
            try b.start()
            #expect(
                b.process?.waitFor("caught up from the active's snapshot", seconds: 20) == true, "\(b.redundancyLog)")
            #expect(
                ServeProcess.poll(seconds: 15) { (4...6).allSatisfy { (try? b.lease(of: $0)) ?? nil == tuples[$0] } },
                "\(b.redundancyLog)")

            // It takes over with what it caught up on: each remaining client keeps its port set.
            a.process?.kill9()
            #expect(b.process?.waitFor("pool group taken over", seconds: 15) == true, "\(b.log)")
            for id in 4...6 { #expect(try Self.lease(network, id: id, port: port) == tuples[id], "client \(id)") }
            #expect(try Self.duplicates([b], clients: 1...6).isEmpty)
        }
    }
}
