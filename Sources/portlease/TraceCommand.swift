import ArgumentParser
import Foundation
import LeaseLog
import PortLeaseWire

/// `portlease trace`: who held the port set containing an address and port at a
/// time, or during an interval (RFC 6269 section 12 traceability).
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Who held IPv4 address A, port P at time T (or during an interval), from the lease history.",
        discussion: """
            Answers from every shard's holdings history, snapshot and live log. Each line is one holding: who
            held the port set, from which IPv6 address behind which relay, from when to when, and what
            ended it (release, expiry, decline, reassignment) or that it is still held.
            Examples:
              portlease trace --config /etc/portlease/portlease.json --address 198.51.100.7 --port 40123 --at 2026-03-03T14:02:00Z
              portlease trace --log-dir ./var/lease-log --address 198.51.100.7 --port 40123 --at 1772546520 --until 1772550120
            """
    )

    @OptionGroup var location: LeaseLogLocation

    @Option(help: "The IPv4 address (shared or full).")
    var address: String

    @Option(help: "The transport port.")
    var port: UInt16

    @Option(help: "The time (ISO 8601, e.g. 2026-03-03T14:02:00Z, or Unix seconds).")
    var at: String

    @Option(help: "End of an interval starting at --at (same formats).")
    var until: String?

    func run() throws {
        guard let address = IPv4Address(self.address) else { throw ValidationError("--address: not an IPv4 address") }
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
}
