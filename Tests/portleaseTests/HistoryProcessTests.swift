import Foundation
import PortLeaseTestSupport
import Testing

/// History in PostgreSQL as operators run it (issue 15): real `portlease serve` processes
/// shipping to a real PostgreSQL, `portlease history migrate|export` and `portlease trace
/// --database` across the instances, a server killed with SIGKILL in the middle, and the
/// database stopped while clients keep getting their ACKs.
@Suite(
    .serialized,
    .enabled(if: FileManager.default.fileExists(atPath: "/usr/include/liburing.h"), "liburing is not installed"),
    .enabled(if: TestPostgres.unavailable == nil, "\(TestPostgres.unavailable ?? "")"))
struct HistoryProcessTests {
    /// A server of instance `name` with pool `prefix`.0/24, shipping to `url`, metrics on `metricsPort`.
    static func configuration(
        name: String, port: UInt16, directory: String, prefix: String, database: (port: Int, name: String),
        metricsPort: UInt16, lagAlarm: Int = 300
    ) -> String {
        """
        { "server-id": "192.0.2.1", "listen": { "addresses": ["::1"], "port": \(port) },
          "dhcp4o6-server-addresses": ["::1"], "workers": 2,
          "lease-log": { "directory": "\(directory)/log", "compaction-interval": 1, "segment-size": 65536 },
          "metrics": { "listen": "127.0.0.1:\(metricsPort)" },
          "history": { "instance": "\(name)", "interval-ms": 50, "lag-alarm": \(lagAlarm),
                       "database": { "host": "127.0.0.1", "port": \(database.port), "name": "\(database.name)",
                                     "user": "portlease", "tls": "disable" } },
          "pools": [ { "name": "map", "addresses": ["\(prefix).0/24"], "shared": { "psid-length": 6 } } ] }
        """
    }

    /// A running instance: its process, port, metrics port and directory.
    struct Instance {
        var name: String
        var server: ServeProcess
        var port: UInt16
        var metricsPort: UInt16
        var directory: String
        var config: String

        /// The server's metrics text.
        var metrics: String { LoopbackTCP.get(port: metricsPort) ?? "" }

        /// The sum of a per-shard metric.
        func metric(_ name: String) -> Int {
            metrics.split(separator: "\n").filter { $0.hasPrefix(name + "{") }
                .compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +)
        }
    }

    static func start(
        _ name: String, prefix: String, database: (port: Int, name: String), in root: String, lagAlarm: Int = 300
    ) throws -> Instance {
        let directory = root + "/" + name
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let (holder, metricsPort) = try LoopbackTCP.listen()
        close(holder)
        let port = FailurePolicyTests.port()
        let config = directory + "/server.json"
        try configuration(
            name: name, port: port, directory: directory, prefix: prefix, database: database, metricsPort: metricsPort,
            lagAlarm: lagAlarm
        ).write(toFile: config, atomically: true, encoding: .utf8)
        let server = try ServeProcess(config: config, logPath: directory + "/server.log")
        return Instance(
            name: name, server: server, port: port, metricsPort: metricsPort, directory: directory, config: config)
    }

    /// `count` DORAs with ids from `first`; returns the leases ("198.51.100.3 ... psid 5 ...").
    static func doras(_ instance: Instance, first: Int, count: Int) throws -> [String] {
        try (first..<(first + count)).map { id in
            let result = try CommandLineTests.run(
                ["client", "--server", "::1", "--port", "\(instance.port)", "--id", "\(id)"])
            #expect(result.status == 0, "\(result.errors)")
            return result.output.split(separator: "\n").first { $0.hasPrefix("lease: ") }.map(String.init) ?? ""
        }
    }

    /// Waits until the instance has shipped every committed record (lag 0 with ACKs done).
    static func waitShipped(_ instance: Instance, seconds: Double = 30) -> Bool {
        ServeProcess.poll(seconds: seconds) {
            let metrics = instance.metrics
            return metrics.contains("portlease_shipping_lag_records{shard=\"0\"} 0\n")
                && metrics.contains("portlease_shipping_lag_records{shard=\"1\"} 0\n")
                && instance.metric("portlease_shipping_batches_total") > 0
        }
    }

    @Test func threeInstancesShipAndOneTraceAndExportAnswerAcrossThem() throws {
        let postgres = try #require(TestPostgres.shared)
        let database = try postgres.createDatabase()
        let root = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let url = postgres.url(database)
        let migrate = try CommandLineTests.run(["history", "migrate", "--database", url])
        #expect(migrate.status == 0 && migrate.output.contains("migrated from version 0"), "\(migrate.errors)")

        let names = ["pl-a", "pl-b", "pl-c"]
        let prefixes = ["198.51.100", "198.51.101", "198.51.102"]
        var instances: [Instance] = []
        for (name, prefix) in zip(names, prefixes) {
            instances.append(try Self.start(name, prefix: prefix, database: (postgres.port, database), in: root))
        }
        defer { instances.forEach { $0.server.stop() } }
        for instance in instances {
            #expect(instance.server.waitFor("history shipping started"), "\(instance.server.log)")
        }
        var leases: [[String]] = []
        for (index, instance) in instances.enumerated() {
            leases.append(try Self.doras(instance, first: 100 * index + 1, count: 4))
        }
        // One more client of pl-b behind a relay that sends a Remote-ID and a Subscriber-ID.
        let relayed = RelayedClient(id: 999, peer: "2001:db8:5::9", remoteID: "line-9", subscriberID: "cust-9")
        #expect(try relayed.lease(port: instances[1].port) != nil)
        for instance in instances { #expect(Self.waitShipped(instance), "\(instance.metrics)") }
        // A lag gauge of 0 can predate the last DORA's record (the shipper had not looked again
        // yet, which a loaded machine makes likely): wait for the rows themselves.
        let count = { try? postgres.psql(database, "SELECT count(*) FROM portlease_holding") }
        #expect(ServeProcess.poll(seconds: 30) { count() == "13" }, "\(count() ?? "no answer") holdings")
        #expect(
            try postgres.psql(
                database, "SELECT string_agg(DISTINCT instance, ',' ORDER BY instance) FROM portlease_holding")
                == "pl-a,pl-b,pl-c")

        // "lease: 198.51.102.0 port set offset 6 psid-len 6 psid 0 for 3600 s": trace one port of it.
        let lease = try #require(leases[2].first)
        let parts = lease.split(separator: " ")
        let address = String(parts[1])
        let psid = try #require(Int(parts[parts.firstIndex(of: "psid")! + 1]))
        let port = 1024 + psid * 16 + 3  // offset 6, length 6: PSID p holds 1024 + 16p ... + 15 (first block)
        let now = Int(Date().timeIntervalSince1970) + 1  // after the DORAs, whole seconds
        let trace = try CommandLineTests.run([
            "trace", "--database", url, "--address", address, "--port", "\(port)", "--at", "\(now)",
        ])
        #expect(trace.status == 0, "\(trace.errors)")
        #expect(
            trace.output.contains("\(address):\(port)") && trace.output.contains("still held"),
            "\(trace.output) \(trace.errors)")
        #expect(trace.output.contains("[pl-c shard"), "\(trace.output)")
        #expect(trace.output.split(separator: "\n").count == 1, "\(trace.output)")
        let nobody = try CommandLineTests.run([
            "trace", "--database", url, "--address", address, "--port", "\(port)", "--at", "\(now - 86_400)",
        ])
        #expect(nobody.output.isEmpty && nobody.errors.contains("no holding"), "\(nobody.output)")

        // The export, field by field: one line per holding, all three instances.
        let from = now - 3600
        let csv = try CommandLineTests.run([
            "history", "export", "--database", url, "--from", "\(from)", "--to", "\(now + 3600)", "--format", "csv",
        ])
        #expect(csv.status == 0, "\(csv.errors)")
        let lines = csv.output.split(separator: "\n").map(String.init)
        #expect(
            lines.first
                == "instance,shard,client_kind,client_id,address,psid_offset,psid_length,psid,ports,subscriber,relay_link_address,interface_id,remote_id,subscriber_id,start,end,end_reason"
        )
        #expect(lines.count == 14)
        let row = try #require(lines.first { $0.hasPrefix("pl-c,") && $0.contains(",\(address),6,6,\(psid),") })
        let fields = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(fields.count == 17)
        #expect(fields[2] == "id" && fields[3].count >= 2)
        #expect(fields[8].hasPrefix("\(1024 + psid * 16)-\(1024 + psid * 16 + 15) "), "\(fields[8])")
        #expect(fields[8].split(separator: " ").count == 63)  // a PSID set at offset 6: 63 runs of ports
        #expect(fields[9] == "::1")
        #expect(fields[10].isEmpty && fields[12].isEmpty && fields[13].isEmpty)  // not relayed
        #expect(fields[14].hasSuffix("Z") && fields[14].count == 24, "\(fields[14])")  // 2026-12-06T10:00:00.000Z
        #expect(fields[15].isEmpty && fields[16].isEmpty)
        // The relayed client's row: its relay, Remote-ID (enterprise 0) and Subscriber-ID, in hex.
        let relayedRow = try #require(lines.first { $0.contains(",2001:db8:5::9,") })
        let relayedFields = relayedRow.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(relayedFields[0] == "pl-b" && relayedFields[10] == "2001:db8:ffff::1", "\(relayedRow)")
        #expect(
            relayedFields[12] == "00000000" + "6c696e652d39" && relayedFields[13] == "637573742d39", "\(relayedRow)")
        let bySubscriberID = try CommandLineTests.run([
            "trace", "--database", url, "--subscriber-id", "637573742d39", "--at", "\(now)",
        ])
        #expect(
            bySubscriberID.output.split(separator: "\n").count == 1 && bySubscriberID.output.contains("[pl-b")
                && bySubscriberID.output.contains("subscriber-id 637573742d39"), "\(bySubscriberID.output)")
        // By client, and by subscriber prefix (every client here is ::1), across the instances.
        let byClient = try CommandLineTests.run([
            "trace", "--database", url, "--client", "id:\(fields[3])", "--at", "\(now)",
        ])
        #expect(
            byClient.output.split(separator: "\n").count == 1 && byClient.output.contains("[pl-c"), "\(byClient.output)"
        )
        let bySubscriber = try CommandLineTests.run([
            "trace", "--database", url, "--subscriber", "::1/128", "--at", "\(now)",
        ])
        #expect(bySubscriber.output.split(separator: "\n").count == 12, "\(bySubscriber.output)")
        let jsonl = try CommandLineTests.run([
            "history", "export", "--database", url, "--from", "\(from)", "--to", "\(now + 3600)", "--format", "jsonl",
            "--address", address,
        ])
        let objects = try jsonl.output.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(objects.count == leases[2].filter { $0.contains(" \(address) ") }.count)
        let object = try #require(objects.first { $0["psid"] as? Int == psid })
        #expect(object["instance"] as? String == "pl-c")
        #expect(object["psid_offset"] as? Int == 6 && object["psid_length"] as? Int == 6)
        #expect((object["ports"] as? [String])?.count == 63)
        #expect(object["end"] is NSNull && object["end_reason"] is NSNull)
    }

    @Test func aServerKilledWhileShippingLosesAndRepeatsNothing() throws {
        let postgres = try #require(TestPostgres.shared)
        let database = try postgres.createDatabase()
        let root = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(try CommandLineTests.run(["history", "migrate", "--database", postgres.url(database)]).status == 0)
        var instance = try Self.start("pl-k", prefix: "198.51.100", database: (postgres.port, database), in: root)
        #expect(instance.server.waitFor("history shipping started"), "\(instance.server.log)")
        // Half the clients release (a start and an end each), then SIGKILL with shipping under way.
        for id in 1...12 {
            var arguments = ["client", "--server", "::1", "--port", "\(instance.port)", "--id", "\(id)"]
            if id % 2 == 0 { arguments.append("--release") }
            #expect(try CommandLineTests.run(arguments).status == 0)
        }
        kill(instance.server.process.processIdentifier, SIGKILL)
        instance.server.process.waitUntilExit()
        instance.server = try ServeProcess(config: instance.config, logPath: instance.directory + "/server2.log")
        defer { instance.server.stop() }
        #expect(instance.server.waitFor("history shipping started"), "\(instance.server.log)")
        for id in 13...16 { #expect(try ServeProcess.dora(port: instance.port, id: id)) }
        #expect(Self.waitShipped(instance), "\(instance.metrics)")
        // 16 holdings, each once; the 6 released ones ended by release.
        let rows = try postgres.psql(
            database,
            "SELECT encode(client_id, 'hex') || ' ' || started_at || ' ' || coalesce(end_reason, '-') FROM portlease_holding ORDER BY 1"
        )
        #expect(try postgres.psql(database, "SELECT count(*) FROM portlease_holding") == "16", "\(rows)")
        #expect(
            try postgres.psql(database, "SELECT count(DISTINCT (client_id, started_at)) FROM portlease_holding") == "16"
        )
        #expect(
            try postgres.psql(database, "SELECT count(*) FROM portlease_holding WHERE end_reason = 'release'") == "6")
    }

    @Test func withTheDatabaseStoppedClientsKeepGettingAcksAndShippingCatchesUpAfter() throws {
        let postgres = try TestPostgres()
        defer { try? postgres.stop() }
        let database = try postgres.createDatabase()
        let root = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(try CommandLineTests.run(["history", "migrate", "--database", postgres.url(database)]).status == 0)
        let instance = try Self.start(
            "pl-o", prefix: "198.51.100", database: (postgres.port, database), in: root, lagAlarm: 1)
        defer { instance.server.stop() }
        #expect(instance.server.waitFor("history shipping started"), "\(instance.server.log)")
        try postgres.stop()
        // The database is down: every DORA still gets its ACK; the lag grows; segments stay.
        for id in 1...20 { #expect(try ServeProcess.dora(port: instance.port, id: id)) }
        #expect(ServeProcess.poll(seconds: 10) { instance.metric("portlease_shipping_lag_records") > 0 })
        #expect(instance.metric("portlease_shipping_holdings_opened_total") == 0)
        let shardLog = instance.directory + "/log/shard-0"
        // A snapshot, if any, covers no record (its header's sequence at byte 8): nothing unshipped was folded.
        let snapshot = [UInt8](FileManager.default.contents(atPath: shardLog + "/snapshot") ?? Data())
        let covered = snapshot.count >= 16 ? snapshot[8..<16].reversed().reduce(0) { $0 << 8 | Int($1) } : 0
        #expect(covered == 0, "compaction folded unshipped records")
        // Past the 1 s bound (each exchange with the absent database gives up after 10 s): a warning.
        #expect(
            instance.server.waitFor("history shipping lags behind the lease log", seconds: 30), "\(instance.server.log)"
        )
        try postgres.start()
        #expect(Self.waitShipped(instance, seconds: 60), "\(instance.metrics)")
        #expect(try postgres.psql(database, "SELECT count(*) FROM portlease_holding") == "20")
    }
}
