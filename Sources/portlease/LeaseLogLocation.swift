import ArgumentParser
import Foundation
import LeaseLog
import PortLeaseConfiguration
import PortLeaseServer
import PortLeaseWire

/// Where the tools find the lease log: from the configuration file, or a directory.
struct LeaseLogLocation: ParsableArguments {
    @Option(name: .shortAndLong, help: "The server's configuration file (its lease-log directory is read).")
    var config: String?

    @Option(name: .customLong("log-dir"), help: "The lease-log directory (instead of --config).")
    var logDirectory: String?

    func validate() throws {
        guard (config == nil) != (logDirectory == nil) else {
            throw ValidationError("give either --config FILE or --log-dir DIRECTORY")
        }
    }

    /// The lease-log directory.
    func directory() throws -> String {
        if let logDirectory { return logDirectory }
        do throws(ConfigurationError) {
            return try ServerConfiguration.load(contentsOf: config!).leaseLog.directory
        } catch {
            ConfigurationReport.print(error, file: config!)
            throw ExitCode(1)
        }
    }

    /// Every shard's log directory under the lease-log directory.
    func shardDirectories() throws -> [String] {
        let base = try directory()
        let shards = ShardLogs.existingShards(base)
        guard !shards.isEmpty else { throw ValidationError("no lease log under \(base) (no shard-N directories)") }
        return shards.map { ShardLogs.directory(base, shard: $0) }
    }
}

/// Text forms the tools print and parse.
enum Formats {
    static func time(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000))
    }

    /// An ISO 8601 time (`2026-03-03T14:02:00Z`) or Unix seconds, as milliseconds.
    static func parseTime(_ text: String) -> Int64? {
        if let seconds = Double(text) { return Int64(seconds * 1000) }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970 * 1000) }
        formatter.formatOptions.insert(.withFractionalSeconds)
        return formatter.date(from: text).map { Int64($0.timeIntervalSince1970 * 1000) }
    }

    static func portSet(psid: UInt16, length: UInt8, offset: UInt8) -> String {
        length == 0 ? "full address" : "psid \(psid)/\(length) (offset \(offset))"
    }

    static func relay(_ relay: RelayIdentity) -> String {
        var parts: [String] = []
        if let link = relay.linkAddress { parts.append("link \(link)") }
        if let id = relay.interfaceID { parts.append("interface-id \(printable(id))") }
        if let id = relay.remoteID { parts.append("remote-id \(printable(id))") }
        return parts.isEmpty ? "direct" : parts.joined(separator: ", ")
    }

    /// Text when the bytes are printable ASCII, else hex.
    static func printable(_ bytes: [UInt8]) -> String {
        if !bytes.isEmpty, bytes.allSatisfy({ (0x20...0x7E).contains($0) }) {
            return "\"\(String(decoding: bytes, as: UTF8.self))\""
        }
        return HexBytes.text(bytes)
    }
}
