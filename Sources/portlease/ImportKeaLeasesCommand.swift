import ArgumentParser
import Foundation
import LeaseLog
import PortLeaseConfiguration
import PortLeaseImport
import PortLeaseServer
import PortLeaseSystem
import PortLeaseWire

/// `portlease import kea-leases FILE --config CONFIG`: the active leases of an ISC Kea 2.x
/// DHCPv4 memfile (`kea-leases4.csv`) become full-address leases in a stopped server's log.
///
/// Nothing is written when the file has a damaged row (unless `--skip-bad-rows`), when the
/// log is locked by a running server, or when the log's shards do not match `workers`.
struct ImportKeaLeasesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kea-leases",
        abstract: "Import the active leases of a Kea DHCPv4 memfile (kea-leases4.csv) as full-address leases.",
        discussion: """
            Stop both servers first: the import refuses a lease log that a running portlease serve holds.
            Columns are found by the header's names (Kea 2.x; pool_id and user_context optional). The last
            row of an address wins, as when Kea loads the file. Imported: rows in state 0 with a lifetime
            that has not run out, whose address lies in a full-address pool of CONFIG and is not already in
            the PortLease log. Each becomes a bind record from expire - valid_lifetime to expire, for the
            client Kea's client_id names (else hardware type 1 and hwaddr), in the shard that owns it; the
            client's IPv6 address and relay are unknown (recorded as :: and none, shown as "unknown").
            A damaged row (bad address, hex or number, wrong column count) stops the import before anything
            is written; --skip-bad-rows skips and counts them instead.
            Exit status: 0 imported (possibly nothing); 1 refused or failed, with the reason.
            Example:
              portlease import kea-leases /var/lib/kea/kea-leases4.csv --config /etc/portlease/portlease.json
            """
    )

    @Argument(help: "The Kea memfile (kea-leases4.csv).")
    var file: String

    @Option(name: .shortAndLong, help: "The server's configuration file: its pools, workers and lease-log directory.")
    var config: String

    @Flag(help: "Skip damaged rows (counted and listed) instead of refusing the whole file.")
    var skipBadRows = false

    @Flag(help: "Print the summary as one JSON object.")
    var json = false

    func run() throws {
        var report = ImportReport(file: file)
        let succeeded = perform(&report)
        report.print(json: json)
        if !succeeded { throw ExitCode(1) }
    }

    /// The import; false (with `report` saying why) when it is refused or fails.
    private func perform(_ report: inout ImportReport) -> Bool {
        let configuration: ServerConfiguration
        do throws(ConfigurationError) {
            configuration = try ServerConfiguration.load(contentsOf: config)
        } catch {
            if !json { ConfigurationReport.print(error, file: config) }
            report.refuse("\(config): \(error)")
            return false
        }
        let base = configuration.leaseLog.directory
        report.logDirectory = base
        // An existing log is locked before it is read; a new one only once there is something to write.
        var lock: DirectoryLock?
        do throws(LeaseLogLock.Refusal) {
            if FileManager.default.fileExists(atPath: base) { lock = try LeaseLogLock.take(base) }
        } catch {
            report.refuse("\(error)")
            return false
        }
        let leases: KeaLeaseFile
        do throws(KeaImportError) {
            leases = try KeaLeaseFile.read(path: file)
        } catch {
            report.refuse("\(file): \(error)")
            return false
        }
        report.take(leases)
        if !leases.problems.isEmpty && !skipBadRows {
            report.refuse(
                "\(leases.problems.count) damaged row(s); nothing was written (--skip-bad-rows imports the other rows)")
            return false
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let target: ImportPlan.Target
        do {
            target = try Self.target(base: base, configuration: configuration, now: now)
        } catch {
            report.refuse("\(error)")
            return false
        }
        let plan = ImportPlan(leases, into: target, now: now)
        report.take(plan)
        do throws(LeaseLogLock.Refusal) {
            if plan.importedCount > 0 && lock == nil { lock = try LeaseLogLock.take(base) }
        } catch {
            report.refuse("\(error)")
            return false
        }
        do throws(ImportPlan.WriteError) {
            report.shards = try plan.write(base: base, options: configuration.leaseLog.options)
        } catch {
            report.refuse("\(error)")
            return false
        }
        lock?.unlock()
        return true
    }

    /// What the log under `base` already holds at `now`: its addresses (leased or quarantined)
    /// and its clients with a lease. Refuses a log written by another number of shards.
    static func target(base: String, configuration: ServerConfiguration, now: Int64) throws -> ImportPlan.Target {
        var target = ImportPlan.Target(pools: configuration.engine.pools, shardCount: configuration.workers)
        let shards = ShardLogs.existingShards(base)
        guard !shards.isEmpty else { return target }
        guard shards == Array(0..<configuration.workers) else {
            throw ValidationError(
                "the lease log in \(base) has \(shards.count) shard(s) but workers is \(configuration.workers): "
                    + "import with the configuration the log was written with")
        }
        let directories = shards.map { ShardLogs.directory(base, shard: $0) }
        let tables = try LatestLeases.replay(
            directories, matching: LeaseQuery(client: nil, address: nil, psid: nil, subscriber: nil), before: now,
            reserving: LeaseListing.estimatedClients(directories))
        for table in tables {
            for record in table.records where record.until > now {
                switch record.event {
                case .bind, .renew:
                    target.heldAddresses.insert(record.address)
                    target.heldClients.insert(record.clientKey)
                case .decline: target.heldAddresses.insert(record.address)
                case .release, .expire, .forcedRelease: break
                }
            }
        }
        return target
    }
}
