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
        // Neither is checked where a directory is needed (`trace --database` needs none).
        guard config == nil || logDirectory == nil else {
            throw ValidationError("give either --config FILE or --log-dir DIRECTORY, not both")
        }
    }

    /// The lease-log directory.
    func directory() throws -> String {
        if let logDirectory { return logDirectory }
        guard let config else { throw ValidationError("give either --config FILE or --log-dir DIRECTORY") }
        do throws(ConfigurationError) {
            return try ServerConfiguration.load(contentsOf: config).leaseLog.directory
        } catch {
            ConfigurationReport.print(error, file: config)
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
