import ArgumentParser
import Foundation
import LeaseLog
import PortLeaseWire

/// `portlease leases`: the leases the log says are active now, optionally looked up
/// by client, address (and PSID) or subscriber.
/// The listing itself is ``LeaseListing`` (shared with `portlease export leases`).
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
        let now = try LeaseListing.time(at)
        let query = try LeaseQuery(client: client, address: address, psid: psid, subscriber: subscriber)
        let directories = try location.shardDirectories()
        var out = OutputBuffer(descriptor: STDOUT_FILENO)
        let count = try LeaseListing.print(directories, matching: query, at: now, to: &out) { record, out in
            if json {
                LeaseJSON.writeLease(record, to: &out)
            } else {
                Formats.writeLease(record, to: &out)
            }
        }
        Standard.error("\(count) active lease(s)")
    }
}
