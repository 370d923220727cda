import Foundation
import Testing

@testable import portlease

/// Hot standby with real processes: two `portlease serve`s in network namespaces of their own,
/// replicating over mutual TLS across a bridge, clients sending every query to both. The
/// active is killed with SIGKILL; the standby takes over and every client keeps its exact
/// (address, PSID); the old active, restarted, stays silent. A standby killed and restarted
/// catches up while the active goes on serving.
@Suite(
    .enabled(
        if: NamespacePrerequisites.missing == nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"),
        "\(NamespacePrerequisites.missing ?? "needs openssl")"),
    .serialized)
struct RedundancyProcessTests {
    @Test func theStandbyTakesOverFromAKilledActiveAndEveryClientKeepsItsPortSet() throws {
        try Self.withPair { network, a, b, port in

            // The active answers; the standby, which sees every query too, stays silent.
            var tuples: [Int: String] = [:]
            for id in 1...12 {
                tuples[id] = try Self.lease(network, id: id, port: port, seconds: 5)
                // Synchronous replication (the default): once the client has its ACK, the standby
                // has the lease, with its port set, durably.
                #expect(
                    try b.lease(of: id) == tuples[id],
                    "client \(id)\nactive:\n\(a.redundancyLog)\nstandby:\n\(b.redundancyLog)")
            }
            #expect(tuples.count == 12 && Set(tuples.values).count == 12, "\(tuples)")

            #expect(try a.groupState() == "active" && b.groupState() == "standby")
            a.process?.kill9()
            #expect(b.process?.waitFor("pool group taken over", seconds: 15) == true, "\(b.log)")
            #expect(try b.groupState() == "partner-down")
            // Every client, asking again, gets exactly its port set back from the standby.
            for id in 1...12 {
                let again = try Self.lease(network, id: id, port: port)
                #expect(again == tuples[id], "client \(id)")
            }
            // New clients get port sets from the standby's reserve only: it cannot know whether the
            // active is dead or only cut off, and the active never allocates there.
            var fresh: [String] = []
            for id in 13...16 {
                if let tuple = try Self.lease(network, id: id, port: port, seconds: 5) { fresh.append(tuple) }
            }
            #expect(fresh.count == 4 && fresh.allSatisfy { $0.hasPrefix("203.0.113.") }, "\(fresh)")
            #expect(Set(fresh + tuples.values).count == 16, "\(fresh)")

            // The old active comes back: the standby says it took the group over, and the old
            // active stays silent for it.
            try a.start()
            #expect(a.process?.waitFor("pool group not served: the standby took it over") == true, "\(a.log)")
            #expect(try a.groupState() == "yielded")
            #expect(try Self.lease(network, id: 1, port: port, seconds: 5) == tuples[1])
        }
    }

    @Test func theOldActiveTakesItsGroupBackWithOneCommand() throws {
        try Self.withPair { network, a, b, port in
            // While the active is away the standby grants from its reserve, and renews a lease.
            let tuples = try Self.takeOverWithAReserveLease(network, a, b, port: port)
            #expect(try Self.lease(network, id: 2, port: port) == tuples[2])

            // Asked while its group is still served here, the command refuses and changes nothing.
            let early = try CommandLineTests.run(["failback", "--socket", a.directory + "/log/control/api.sock"])
            #expect(early.status != 0)
            try a.start()
            #expect(a.process?.waitFor("pool group not served: the standby took it over") == true, "\(a.log)")
            let config = a.directory + "/server.json"
            let refused = try CommandLineTests.run(["failback", "--config", config, "--group", "nope"])
            #expect(refused.status == 1 && refused.errors.contains("not the active of a pool group named nope"))
            #expect(try a.groupState() == "yielded" && b.groupState() == "partner-down")

            // Docs/Redundancy.md, "Failing back": one command on the old active.
            let done = try CommandLineTests.run(["failback", "--config", config, "--json"])
            #expect(done.status == 0, "\(done.errors)\n\(a.redundancyLog)\n\(b.redundancyLog)")
            let answer = try JSONSerialization.jsonObject(with: Data(done.output.utf8))
            #expect(try ControlAPIProcessTests.mismatches(answer, schema: "FailbackOutcome").isEmpty)
            #expect((answer as? [String: Any])?["failedBack"] as? [String] == ["g1"], "\(done.output)")
            #expect(try a.groupState() == "active")
            #expect(
                ServeProcess.poll(seconds: 10) { (try? b.groupState()) == "standby" }, "\(b.redundancyLog)")
            #expect(!FileManager.default.fileExists(atPath: b.directory + "/log/replication/g1.taken-over"))
            // The old active now has every lease, the one granted while it was away included.
            for (client, tuple) in tuples { #expect(try a.boundLease(of: client) == tuple, "client \(client)") }
            // Every client keeps its port set, and a new one is allocated from the group's pools
            // again, by the old active, and followed by the standby.
            let fresh = try Self.keptAndAFreshOne(network, tuples, port: port)
            #expect(try b.lease(of: 6) == fresh)

            // The roles hold across a restart of either: the standby no longer serves the group.
            b.process?.kill9()
            try b.start()
            #expect(b.process?.waitFor("following the active") == true, "\(b.log)")
            #expect(try b.groupState() == "standby" && a.groupState() == "active")
        }
    }

    @Test func theOldActiveFailsBackByTheDocumentedRoleSwap() throws {
        try Self.withPair { network, a, b, port in
            let tuples = try Self.takeOverWithAReserveLease(network, a, b, port: port)
            try a.start()
            #expect(a.process?.waitFor("pool group not served: the standby took it over") == true, "\(a.log)")

            // Docs/Redundancy.md, "Failing back": swap the roles in both files, restart the former
            // standby (it serves once takeover-after passes without a standby), then the old active
            // (it follows and catches up), and delete the takeover file.
            try a.configure(active: "b")
            try b.configure(active: "b")
            b.process?.stop()
            try FileManager.default.removeItem(atPath: b.directory + "/log/replication/g1.taken-over")
            try b.start()
            #expect(b.process?.waitFor("no standby answered within takeover-after") == true, "\(b.log)")
            a.process?.stop()
            try a.start()
            #expect(a.process?.waitFor("following the active") == true, "\(a.log)")
            #expect(try a.groupState() == "standby" && b.groupState() == "active")
            // The old active now has every lease, the one granted while it was away included.
            #expect(
                ServeProcess.poll(seconds: 15) {
                    tuples.allSatisfy { (try? a.boundLease(of: $0.key)) ?? nil == $0.value }
                },
                "\(tuples) \(a.log)")
            // Every client keeps its port set, and a new one is allocated from the group's pools again.
            let fresh = try Self.keptAndAFreshOne(network, tuples, port: port)
            #expect(try a.boundLease(of: 6) == fresh)
        }
    }

    @Test func aRestartedStandbyCatchesUpWhileTheActiveServes() throws {
        try Self.withPair(activeFirst: true) { network, a, b, port in
            var tuples: [Int: String] = [:]
            for id in 1...4 { tuples[id] = try Self.lease(network, id: id, port: port, seconds: 5) }

            b.process?.kill9()
            // No pause for clients: the active answers at once while its standby is down.
            for id in 5...10 {
                tuples[id] = try network.lease(id: id, port: port, timeoutMilliseconds: 2000).flatMap(Self.tuple)
            }
            #expect(tuples.values.count == 10 && Set(tuples.values).count == 10, "\(tuples)")

            try b.start()
            #expect(
                ServeProcess.poll(seconds: 15) { (1...10).allSatisfy { (try? b.lease(of: $0)) ?? nil == tuples[$0] } },
                "\(b.log)")
            #expect(b.log.contains("following the active"))
        }
    }

    @Test func anACKWaitsForTheStandbyAndAHungStandbyIsLeftBehind() throws {
        try Self.withPair { network, a, b, port in
            #expect(try Self.lease(network, id: 1, port: port, seconds: 5) != nil)
            let standby = try #require(b.process?.process.processIdentifier)

            // The standby hangs: the REQUEST's ACK is durable on the active but waits for it.
            kill(standby, SIGSTOP)
            #expect(try network.lease(id: 2, port: port, timeoutMilliseconds: 800) == nil)
            // Two heartbeat intervals without its acknowledgement: the active goes on alone.
            let alone = try network.lease(id: 3, port: port, timeoutMilliseconds: 5000).flatMap(Self.tuple)
            #expect(alone != nil)
            #expect(a.process?.waitFor("replication link to the standby lost") == true, "\(a.log)")
            kill(standby, SIGCONT)
            // Back, it catches up on what the active did without it.
            #expect(ServeProcess.poll(seconds: 15) { (try? b.lease(of: 3)) ?? nil == alone }, "\(b.log)")
        }
    }

    @Test func aPartitionBetweenThePartnersNeverLeasesAPortSetTwiceAndHeals() throws {
        try Self.withPair { network, a, b, port in
            var tuples: [Int: String] = [:]
            for id in 1...4 { tuples[id] = try Self.lease(network, id: id, port: port, seconds: 5) }

            // 30 s without a path between the partners; both still reach every client.
            try network.partition("a", "b")
            let healAt = Date().addingTimeInterval(30)
            #expect(b.process?.waitFor("pool group taken over", seconds: 15) == true, "\(b.log)")
            var id = 5
            while Date() < healAt && id <= 20 {
                // Known clients keep their port sets, whoever answers; new ones get one, from the
                // active's pool or the standby's reserve, never one already held.
                if let known = try Self.lease(network, id: 1 + id % 4, port: port, seconds: 5) {
                    #expect(known == tuples[1 + id % 4], "client \(1 + id % 4)")
                }
                tuples[id] = try Self.lease(network, id: id, port: port, seconds: 5)
                #expect(tuples[id] != nil, "client \(id): \(a.log.suffix(1200)) \(b.log.suffix(1200))")
                #expect(try Self.duplicates([a, b], clients: 1...20).isEmpty)
                id += 1
            }
            let served = Set(tuples.values)
            #expect(served.count == tuples.count, "\(tuples)")
            #expect(served.contains { $0.hasPrefix("203.0.113.") } || served.count == tuples.count, "\(tuples)")
            while Date() < healAt { Thread.sleep(forTimeInterval: 0.2) }

            // Healed: the old active hears that the standby took over and stays silent; the
            // standby learns every lease the active granted meanwhile.
            try network.partition("a", "b", cut: false)
            #expect(
                a.process?.waitFor("pool group not served: the standby took it over", seconds: 20) == true, "\(a.log)")
            let fromActive = tuples.filter { $0.value.hasPrefix("198.51.100.") }
            #expect(
                ServeProcess.poll(seconds: 20) {
                    fromActive.allSatisfy { (try? b.boundLease(of: $0.key)) ?? nil == $0.value }
                },
                "\(fromActive) \(b.log)")
            #expect(try Self.duplicates([a, b], clients: 1...20).isEmpty)
            #expect(try a.groupState() == "yielded" && b.groupState() == "partner-down")
            // And the standby answers every client with its own port set.
            for (client, tuple) in tuples.sorted(by: { $0.key < $1.key }) {
                let again = try Self.lease(network, id: client, port: port, seconds: 5)
                #expect(again == tuple, "client \(client): \(again ?? "no answer") \(b.log.suffix(1500))")
            }

            // Failed back, the two have converged: the same binding for every client on both.
            let failback = try CommandLineTests.run(["failback", "--config", a.directory + "/server.json"])
            #expect(failback.status == 0, "\(failback.errors)")
            #expect(ServeProcess.poll(seconds: 10) { (try? b.groupState()) == "standby" }, "\(b.redundancyLog)")
            for client in tuples.keys.sorted() {
                #expect(
                    ServeProcess.poll(seconds: 5) {
                        let (onA, onB) = (
                            (try? a.boundLease(of: client)) ?? nil, (try? b.boundLease(of: client)) ?? nil
                        )
                        return onA == tuples[client] && onB == tuples[client]
                    }, "client \(client)")
            }
            #expect(try Self.duplicates([a, b], clients: 1...20).isEmpty)
        }
    }

    @Test func aPeerWithoutTheCAsCertificateIsRefused() throws {
        // The active presents a certificate of another CA, with the same name.
        let rogue: (String) throws -> Void = { certificates in
            for (from, to) in [("rogue.pem", "a.pem"), ("rogue.key", "a.key")] {
                try FileManager.default.removeItem(atPath: certificates + "/" + to)
                try FileManager.default.copyItem(atPath: certificates + "/" + from, toPath: certificates + "/" + to)
            }
        }
        try Self.withPair(prepare: rogue, waitForStandby: false) { network, a, b, port in
            #expect(b.process?.waitFor("replication connection ended") == true, "\(b.log)")
            #expect(!b.log.contains("following the active"))
            // The active serves alone once takeover-after passes without a standby; the standby
            // learned nothing from it (it may have taken the group over by then, and then serves
            // its reserve: the two never hand out one port set twice).
            let tuple = try #require(try Self.lease(network, id: 1, port: port, seconds: 10))
            let fromActive = tuple.hasPrefix("198.51.100.")
            #expect(try !fromActive || b.lease(of: 1) != tuple, "\(tuple)")
            #expect(try (fromActive ? a : b).lease(of: 1) == tuple)
        }
    }
}
