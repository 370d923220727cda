import ArgumentParser
import Foundation
import LeaseLog
import PortLeaseHistory
import PortLeaseWire

/// `portlease trace`: who held the port set containing an address and port at a
/// time, or during an interval (RFC 6269 section 12 traceability).
struct TraceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Who held IPv4 address A, port P at time T (or during an interval), from the lease history.",
        discussion: """
            Answers from every shard's holdings history, snapshot and live log; with --database, from
            the history database across every instance (by address and port, --client, --subscriber). Each line is one holding: who
            held the port set, from which IPv6 address behind which relay, from when to when, and what
            ended it (release, expiry, decline, reassignment) or that it is still held.
            Examples:
              portlease trace --config /etc/portlease/portlease.json --address 198.51.100.7 --port 40123 --at 2026-03-03T14:02:00Z
              portlease trace --log-dir ./var/lease-log --address 198.51.100.7 --port 40123 --at 1772546520 --until 1772550120
              portlease trace --database postgresql://portlease@db/portlease --address 198.51.100.7 --port 40123 --at 2026-03-03T14:02:00Z
              portlease trace --database postgresql://portlease@db/portlease --subscriber 2001:db8:1::/48 --at 2026-03-03T00:00:00Z --until 2026-03-04T00:00:00Z
            """
    )

    @OptionGroup var location: LeaseLogLocation
    @OptionGroup var database: DatabaseOptions

    @Option(help: "The IPv4 address (shared or full).")
    var address: String?

    @Option(help: "The transport port.")
    var port: UInt16?

    @Option(help: "With --database: the client, id:HEX (option 61) or hw:HEX.")
    var client: String?

    @Option(help: "With --database: subscribers in this IPv6 address or prefix.")
    var subscriber: String?

    @Option(help: "With --database: the relay's Remote-ID (option 37's contents in hex).")
    var remoteID: String?

    @Option(help: "With --database: the relay's Subscriber-ID (option 38's contents in hex).")
    var subscriberID: String?

    @Option(help: "The time (ISO 8601, e.g. 2026-03-03T14:02:00Z, or Unix seconds).")
    var at: String

    @Option(help: "End of an interval starting at --at (same formats).")
    var until: String?

    func run() async throws {
        if database.url != nil { return try await traceDatabase() }
        guard let text = self.address, let port else {
            throw ValidationError("--address and --port are needed (or --database with --client or --subscriber)")
        }
        if client != nil || subscriber != nil || remoteID != nil || subscriberID != nil {
            throw ValidationError("--client, --subscriber, --remote-id and --subscriber-id need --database")
        }
        guard let address = IPv4Address(text) else { throw ValidationError("--address: not an IPv4 address") }
        guard let start = Formats.parseTime(at) else { throw ValidationError("--at: not a time: \(at)") }
        let end = try until.map { text in
            guard let time = Formats.parseTime(text) else { throw ValidationError("--until: not a time: \(text)") }
            return time
        }
        var holdings: [TraceHolding] = []
        for directory in try location.shardDirectories() {
            let history = LeaseHistory(directory: directory)
            do throws(LeaseLogError) {
                if let end {
                    holdings += try history.holders(of: address, port: port, from: start, to: end)
                } else {
                    holdings += try history.holders(of: address, port: port, at: start)
                }
            } catch {
                Standard.error("\(directory): \(error)")
                throw ExitCode(1)
            }
        }
        for holding in holdings.sorted(by: { $0.start < $1.start }) {
            print(
                "\(holding.address):\(port)  \(Formats.portSet(psid: holding.psid, length: holding.psidLength, offset: holding.psidOffset))  "
                    + "\(holding.clientKey)  \(Formats.origin(subscriber: holding.subscriber, relay: holding.relay))  "
                    + "from \(Formats.time(holding.start)) "
                    + (holding.ended == .held
                        ? "held, lease until \(Formats.time(holding.end))"
                        : "to \(Formats.time(holding.end)) (\(holding.ended))"))
        }
        if holdings.isEmpty { Standard.error("nobody held \(address) port \(port) then") }
    }

    /// The same question asked of the history database, across every instance.
    private func traceDatabase() async throws {
        guard address != nil || client != nil || subscriber != nil || remoteID != nil || subscriberID != nil else {
            throw ValidationError(
                "--database needs --address (and --port), --client, --subscriber, --remote-id or --subscriber-id")
        }
        guard let start = Formats.parseTime(at) else { throw ValidationError("--at: not a time: \(at)") }
        var end = start + 1
        if let until {
            guard let time = Formats.parseTime(until) else { throw ValidationError("--until: not a time: \(until)") }
            end = time
        }
        guard start < end else { throw ValidationError("--until must be after --at") }
        var query = HistoryQuery(from: start, to: end)
        try HistoryFilters.narrow(
            &query, address: address, port: port, client: client, subscriber: subscriber, remoteID: remoteID,
            subscriberID: subscriberID)
        try await database.withClient { client, logger in
            var found = 0
            try await query.forEach(on: client, logger: logger) { row in
                found += 1
                let ports = port.map { ":\($0)" } ?? ""
                print(
                    "\(row.address)\(ports)  \(Formats.portSet(psid: UInt16(row.psid), length: UInt8(row.psidLength), offset: UInt8(row.psidOffset)))  "
                        + "\(row.clientKind):\(row.clientID)  \(row.subscriber)"
                        + (row.relayLinkAddress.map { " via \($0)" } ?? "")
                        + (row.remoteID.map { " remote-id \($0)" } ?? "")
                        + (row.subscriberID.map { " subscriber-id \($0)" } ?? "")
                        + "  from \(Formats.time(row.start)) "
                        + (row.end.map { "to \(Formats.time($0)) (\(row.endReason ?? ""))" } ?? "still held")
                        + "  [\(row.instance) shard \(row.shard)]")
            }
            if found == 0 { Standard.error("no holding matches in the history database") }
        }
    }
}
