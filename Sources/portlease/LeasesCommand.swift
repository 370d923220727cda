import ArgumentParser
import Foundation
import LeaseLog
import PortLeaseWire

/// `portlease leases`: the leases the log says are active now, optionally looked up
/// by client, address (and PSID) or subscriber.
///
/// Built for ISP-sized logs: the log is replayed once, keeping each client's latest
/// record (a lookup keeps only the matching clients'), and the lines are formatted
/// into one reused buffer, written a megabyte at a time.
struct LeasesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leases",
        abstract: "List active leases from the lease log, or look one up.",
        discussion: """
            Reads the log without changing it (safe beside a running server; what the server
            has not yet committed is not shown). Lines are sorted by address, then PSID; times
            are UTC. The count goes to standard error.
            --json prints one JSON object per line: address, full, psid, psid-length,
            psid-offset, client, subscriber, relay (link-address; interface-id and remote-id
            as text when UTF-8, and always as -hex), since and until (ISO 8601 UTC with
            milliseconds, and as -ms: milliseconds since the Unix epoch).
            Examples:
              portlease leases --config /etc/portlease/portlease.json
              portlease leases --log-dir ./var/lease-log --address 198.51.100.7 --psid 41
              portlease leases --log-dir ./var/lease-log --client id:ff:00:00:00:01:00:03:00:01:02:00:5e:10:20:30
              portlease leases --log-dir ./var/lease-log --subscriber 2001:db8:1::2 --json
            """
    )

    @OptionGroup var location: LeaseLogLocation

    @Option(help: "Only this client: its key as printed (id:.. or hw:..), or plain hex.")
    var client: String?

    @Option(help: "Only leases of this IPv4 address.")
    var address: String?

    @Option(help: "Only this PSID (with --address: that port set).")
    var psid: UInt16?

    @Option(help: "Only leases of this subscriber (the client's IPv6 source address).")
    var subscriber: String?

    @Option(help: "The time to evaluate at (ISO 8601 or Unix seconds); default now.")
    var at: String?

    @Flag(help: "One JSON object per line, for scripts.")
    var json = false

    func run() throws {
        let now =
            try at.map { text in
                guard let time = Formats.parseTime(text) else { throw ValidationError("--at: not a time: \(text)") }
                return time
            } ?? Int64(Date().timeIntervalSince1970 * 1000)
        let query = try LeaseQuery(client: client, address: address, psid: psid, subscriber: subscriber)
        let directories = try location.shardDirectories()
        let tables: [LatestLeases]
        do throws(LatestLeases.ShardError) {
            tables = try LatestLeases.replay(
                directories, matching: query, before: now,
                reserving: query.isEverything ? Self.estimatedClients(directories) : 0)
        } catch {
            Standard.error("\(error)")
            throw ExitCode(1)
        }
        let active = LatestLeases.active(tables, at: now, matching: query)
        var out = OutputBuffer(descriptor: STDOUT_FILENO)
        // Records are copied out a block at a time before formatting: they lie scattered
        // in memory, and a tight loop of copies waits for many cache misses at once.
        var block: [LeaseRecord] = []
        block.reserveCapacity(Self.block)
        for start in stride(from: 0, to: active.count, by: Self.block) {
            block.removeAll(keepingCapacity: true)
            for position in active[start..<min(start + Self.block, active.count)] {
                block.append(tables[Int(position.table)].records[Int(position.index)])
            }
            for record in block {
                if json {
                    LeaseJSON.writeLease(record, to: &out)
                } else {
                    Formats.writeLease(record, to: &out)
                }
            }
        }
        do throws(OutputError) {
            try out.finish()
        } catch {
            Standard.error("\(error)")
            throw ExitCode(1)
        }
        Standard.error("\(active.count) active lease(s)")
    }

    /// Records copied out of the tables at a time.
    static let block = 64

    /// About how many clients the logs in `directories` hold: their bytes over a short
    /// record's size (an overestimate once renewals pile up, which only costs memory).
    static func estimatedClients(_ directories: [String]) -> Int {
        var bytes = 0
        for directory in directories {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for name in names where name.hasSuffix(".seg") || name == "snapshot" {
                let attributes = try? FileManager.default.attributesOfItem(atPath: directory + "/" + name)
                bytes += (attributes?[.size] as? Int) ?? 0
            }
        }
        return min(bytes / 90, 64 << 20)
    }
}
