import ArgumentParser
import Foundation
import PortLeaseHistory
import PortLeaseWire

/// `portlease history`: the history database shared by every instance.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "The history database (PostgreSQL): create or upgrade its schema, export holdings.",
        subcommands: [HistoryMigrateCommand.self, HistoryExportCommand.self]
    )
}

/// `portlease history migrate`: applies the schema migrations the database lacks.
struct HistoryMigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create the history schema, or bring it up to this version's.",
        discussion: """
            Safe to run again, and from several hosts at once. Run it before the first server ships,
            and after upgrading PortLease (servers refuse to ship to an older schema).
            Example: portlease history migrate --database postgresql://portlease@db.example.net/portlease
            """
    )

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await database.withClient { client, logger in
            let (from, to) = try await HistorySchema.migrate(client, logger: logger)
            print(from == to ? "schema already at version \(to)" : "schema migrated from version \(from) to \(to)")
        }
    }
}

/// `portlease history export`: holdings over a time window, one per line, for abuse desks.
struct HistoryExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the holdings that overlap a time window, from every instance, as CSV or JSON lines.",
        discussion: """
            One holding per line: times in UTC with milliseconds, the port set both as (offset, PSID
            length, PSID) and as its port ranges. The columns are described in Docs/History.md.
            Example: portlease history export --database postgresql://portlease@db/portlease \\
                       --from 2026-03-03T00:00:00Z --to 2026-03-04T00:00:00Z --address 198.51.100.7 --format csv
            """
    )

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Start of the window (ISO 8601 or Unix seconds).") var from: String
    @Option(help: "End of the window (ISO 8601 or Unix seconds).") var to: String
    @Option(help: "Only holdings of this IPv4 address.") var address: String?
    @Option(help: "Only holdings of subscribers in this IPv6 address or prefix (2001:db8::/48).") var subscriber:
        String?
    @Option(help: "Only this client: id:HEX (option 61) or hw:HEX.") var client: String?
    @Option(help: "Only holdings behind this relay Remote-ID (option 37's contents in hex).") var remoteID: String?
    @Option(help: "Only holdings with this relay Subscriber-ID (option 38's contents in hex).") var subscriberID:
        String?
    @Option(help: "csv or jsonl.") var format: String = "csv"

    func run() async throws {
        guard format == "csv" || format == "jsonl" else { throw ValidationError("--format: csv or jsonl") }
        var query = try HistoryFilters.window(from: from, to: to)
        try HistoryFilters.narrow(
            &query, address: address, port: nil, client: client, subscriber: subscriber, remoteID: remoteID,
            subscriberID: subscriberID)
        let csv = format == "csv"
        try await database.withClient { client, logger in
            var out = csv ? HistoryRow.columns.joined(separator: ",") + "\n" : ""
            try await query.forEach(on: client, logger: logger) { row in
                out += csv ? row.csvLine : row.jsonLine
                out += "\n"
                if out.utf8.count >= 1 << 16 {
                    Standard.write(out)
                    out = ""
                }
            }
            Standard.write(out)
        }
    }
}

/// The filters `trace --database` and `history export` share.
enum HistoryFilters {
    static func window(from: String, to: String) throws -> HistoryQuery {
        guard let start = Formats.parseTime(from) else { throw ValidationError("--from: not a time: \(from)") }
        guard let end = Formats.parseTime(to) else { throw ValidationError("--to: not a time: \(to)") }
        guard start < end else { throw ValidationError("--to must be after --from") }
        return HistoryQuery(from: start, to: end)
    }

    static func narrow(
        _ query: inout HistoryQuery, address: String?, port: UInt16?, client: String?, subscriber: String?,
        remoteID: String? = nil, subscriberID: String? = nil
    ) throws {
        if let remoteID {
            guard let bytes = HexBytes.parse(remoteID), !bytes.isEmpty else {
                throw ValidationError(
                    "--remote-id: \"\(remoteID)\" must be the option's bytes in hex (enterprise number first)")
            }
            query.remoteID = bytes
        }
        if let subscriberID {
            guard let bytes = HexBytes.parse(subscriberID), !bytes.isEmpty else {
                throw ValidationError(
                    "--subscriber-id: \"\(subscriberID)\" must be the option's bytes in hex (printf ID | xxd -p)")
            }
            query.subscriberID = bytes
        }
        if let address {
            guard let parsed = IPv4Address(address) else { throw ValidationError("--address: not an IPv4 address") }
            query.address = parsed
        }
        if let port {
            guard query.address != nil else { throw ValidationError("--port needs --address") }
            query.port = port
        }
        if let client {
            guard let key = ClientKey(text: client) else {
                throw ValidationError("--client: \"\(client)\" must be id:HEX (option 61) or hw:HEX")
            }
            query.client = key
        }
        if let subscriber {
            let parts = subscriber.split(separator: "/", maxSplits: 1)
            guard IPv6Address(String(parts[0])) != nil,
                parts.count == 1 || (Int(parts[1]).map { (0...128).contains($0) } ?? false)
            else { throw ValidationError("--subscriber: \"\(subscriber)\" must be an IPv6 address or prefix") }
            query.subscriber = subscriber
        }
    }
}
