import Foundation
import Synchronization
import Testing

extension RedundancyProcessTests {
    /// What the clients of a load saw: each client's tuple from every ACK, and when.
    final class Acknowledged: Sendable {
        struct State {
            var tuples: [Int: String] = [:]
            /// Clients whose ACK showed another tuple than an earlier one of theirs.
            var changed: [String] = []
            /// Set just before the kill: the loops ask again for the clients they have.
            var killedAt: Date?
            /// Once the active has exited: an ACK to a query sent after it is the standby's.
            var deadAt: Date?
            var firstAfterKill: Date?
            var stop = false
        }
        let state = Mutex(State())

        /// Client `id` got an ACK for `tuple` to a query sent at `sent`.
        func record(_ id: Int, _ tuple: String, sent: Date) {
            state.withLock { state in
                if let earlier = state.tuples[id], earlier != tuple {
                    state.changed.append("\(id): \(earlier) -> \(tuple)")
                }
                state.tuples[id] = tuple
                if let dead = state.deadAt, sent >= dead, state.firstAfterKill == nil { state.firstAfterKill = Date() }
            }
        }
    }

    /// The active killed with SIGKILL while clients keep asking, six at a time (synchronous
    /// mode): service resumes within takeover-after and a margin, every ACK any client saw is
    /// that client's binding on the standby that took over, and no port set is held twice.
    @Test func theActiveKilledUnderLoadLosesNoACKedLease() throws {
        try Self.withPair(options: .init(mapPool: "198.51.100.0/24")) { network, a, b, port throws in
            let seen = Acknowledged()
            nonisolated(unsafe) let network = network
            let loops = 6
            let load = Thread {
                DispatchQueue.concurrentPerform(iterations: loops) { loop in
                    var next = 0
                    while !seen.state.withLock({ $0.stop }) {
                        next += 1
                        // New clients until the kill (each a new lease), then the ones this
                        // loop has, again (their leases must be kept; the reserve is small).
                        let known = seen.state.withLock { state in
                            state.killedAt == nil ? nil : state.tuples.keys.filter { $0 % loops == loop }.sorted()
                        }
                        let id = known.map { $0.isEmpty ? loop : $0[next % $0.count] } ?? (next * loops + loop)
                        let sent = Date()
                        if let line = try? network.lease(id: id, port: port, timeoutMilliseconds: 400),
                            let tuple = Self.tuple(line)
                        {
                            seen.record(id, tuple, sent: sent)
                        }
                    }
                }
            }
            load.start()
            defer { seen.state.withLock { $0.stop = true } }
            #expect(ServeProcess.poll(seconds: 20) { seen.state.withLock { $0.tuples.count >= 60 } })
            seen.state.withLock { $0.killedAt = Date() }
            a.process?.kill9()
            seen.state.withLock { $0.deadAt = Date() }
            #expect(ServeProcess.poll(seconds: 20) { seen.state.withLock { $0.firstAfterKill != nil } })
            // A few more rounds of the known clients against the standby that took over.
            Thread.sleep(forTimeInterval: 2)
            seen.state.withLock { $0.stop = true }
            _ = ServeProcess.poll(seconds: 10) { load.isFinished }

            let result = seen.state.withLock { $0 }
            let resumed = result.firstAfterKill.map { $0.timeIntervalSince(result.killedAt!) } ?? .infinity
            // takeover-after is 3 s: the default bar is 10 s.
            #expect(resumed <= 10, "first ACK \(resumed) s after the kill")
            #expect(try b.groupState() == "partner-down")
            #expect(result.changed.isEmpty, "\(result.changed)")
            #expect(Set(result.tuples.values).count == result.tuples.count, "a port set ACKed to two clients")
            for (client, tuple) in result.tuples.sorted(by: { $0.key < $1.key }) {
                #expect(try b.boundLease(of: client) == tuple, "client \(client) \(b.redundancyLog)")
            }
            #expect(try Self.duplicates([b], clients: 0...(result.tuples.keys.max() ?? 0)).isEmpty)
        }
    }
}
