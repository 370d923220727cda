import Foundation
import Testing

extension RedundancyProcessTests {
    /// With `unanswered-secs`, silence alone is not enough: while the partners cannot talk but
    /// the active still answers every client, the standby stays a standby. Once the active is
    /// really gone, clients keep trying (their `secs` grows past the threshold) and the
    /// standby takes over, each client keeping its port set.
    @Test func withUnansweredSecsOnlyClientsGoingUnansweredLetTheStandbyTakeOver() throws {
        try Self.withPair(options: .init(redundancy: #""unanswered-secs": 4,"#)) { network, a, b, port in
            var tuples: [Int: String] = [:]
            for id in 1...3 { tuples[id] = try Self.lease(network, id: id, port: port, seconds: 5) }

            // The link between the partners breaks; the active keeps answering everyone.
            try network.partition("a", "b")
            #expect(b.process?.waitFor("pool group not taken over", seconds: 15) == true, "\(b.redundancyLog)")
            for id in 1...4 {
                let answered = try Self.lease(network, id: id, port: port, seconds: 5)
                #expect(answered != nil && (id == 4 || answered == tuples[id]), "client \(id)")
            }
            #expect(try b.groupState() == "standby", "\(b.redundancyLog)")
            #expect(!b.log.contains("pool group taken over"))

            // The active dies: clients go on trying, and say for how long.
            a.process?.kill9()
            for id in 1...3 {
                #expect(try Self.lease(network, id: id, port: port, seconds: 20, secs: 6) == tuples[id], "client \(id)")
            }
            #expect(b.log.contains("pool group taken over"), "\(b.redundancyLog)")
            #expect(try b.groupState() == "partner-down")
        }
    }
}
