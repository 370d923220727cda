import ArgumentParser
import Foundation
import LeaseLog
import PortLeaseSystem

/// `portlease export leases`: the leases `portlease leases` lists (the same listing), as CSV
/// with a header line or as JSON, one object per line, to standard output or a file.
struct ExportLeasesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leases",
        abstract: "Write the active leases as CSV or JSON (one object per line).",
        discussion: """
            The leases are those portlease leases lists (active now, or at --at), sorted by address, then PSID.
            CSV: a header line, then address, psid-offset, psid-length, psid, port-ranges (space-separated,
            0-65535 for a full address), client, subscriber, relay (as portlease leases prints it; unknown for
            a lease imported from Kea), state (bound), start and expiry (RFC 3339 UTC).
            JSON: one object per line, exactly as portlease leases --json prints it.
            Safe beside a running server (reads only). With --output the file appears whole or not at all.
            Examples:
              portlease export leases --config /etc/portlease/portlease.json --format csv --output leases.csv
              portlease export leases --log-dir ./var/lease-log --format json
            """
    )

    /// The output format.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case csv, json
    }

    @OptionGroup var location: LeaseLogLocation

    @Option(help: "csv or json.")
    var format: Format

    @Option(help: "Write to this file (replaced whole) instead of standard output.")
    var output: String?

    @Option(help: "The time to evaluate at (ISO 8601 or Unix seconds); default now.")
    var at: String?

    func run() throws {
        let now = try LeaseListing.time(at)
        let directories = try location.shardDirectories()
        let temporary = output.map { $0 + ".tmp" }
        let descriptor = try Standard.orExit { () throws(SystemCallError) in
            try temporary.map { path throws(SystemCallError) in try Files.open(path, .truncate).rawValue }
        }
        defer { if let descriptor { close(descriptor) } }
        var out = OutputBuffer(descriptor: descriptor ?? STDOUT_FILENO)
        if format == .csv { out.append(LeaseCSV.header) }
        let count = try LeaseListing.print(
            directories, matching: try LeaseQuery(client: nil, address: nil, psid: nil, subscriber: nil), at: now,
            to: &out, line: format == .csv ? LeaseCSV.writeLease : LeaseJSON.writeLease)
        if let output, let temporary {
            try Standard.orExit { () throws(SystemCallError) in try Files.rename(temporary, to: output) }
        }
        Standard.error("\(count) lease(s) exported")
    }
}
