import Foundation
import LeaseLog
import Logging
import PortLeaseConfiguration
import PortLeaseHistory
import PortLeaseServer
import ServiceLifecycle

/// `portlease serve`'s part of the `"history"` section: the shipping statistics (created before
/// the server starts, so compaction holds back from its first pass) and the services that ship.
struct HistoryServices {
    let configuration: ServerConfiguration.History
    let connection: HistoryConnection?
    let statistics: ShippingStatistics?

    /// Reads the password file; throws with the reason when it cannot.
    init(_ configuration: ServerConfiguration.History, workers: Int) throws {
        self.configuration = configuration
        if let database = configuration.database {
            var password: String?
            if let file = database.passwordFile {
                let text: String
                do {
                    text = try String(contentsOfFile: file, encoding: .utf8)
                } catch {
                    throw HistoryError.invalidConnection(
                        file,
                        reason:
                            "cannot read the password file (history.database.password-file): \(error.localizedDescription)"
                    )
                }
                password = text.trimmingCharacters(in: .newlines)
            }
            connection = HistoryConnection(
                host: database.host, port: database.port, database: database.name, user: database.user,
                password: password, tls: HistoryConnection.TLSMode(rawValue: database.tls) ?? .prefer)
            statistics = ShippingStatistics(shards: workers)
        } else {
            connection = nil
            statistics = nil
        }
    }

    /// The server's settings with compaction held back to the shipping cursors, and the metrics.
    func apply(to settings: inout Server.Settings) {
        guard let statistics else { return }
        settings.maintenance?.compactionLimit = { statistics.cursor($0) }
        settings.metricsAppendix = { statistics.render() }
    }

    /// The services to run once the server has started.
    func services(server: Server, leaseLogDirectory: String, logger: Logger)
        -> [ServiceGroupConfiguration.ServiceConfiguration]
    {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        let directories = server.workers.indices.map { ShardLogs.directory(leaseLogDirectory, shard: $0) }
        if let connection, let statistics {
            let shipper = HistoryShipper(
                connection: connection,
                settings: .init(
                    instance: configuration.instance, batchSize: configuration.batchSize,
                    intervalMilliseconds: configuration.intervalMilliseconds,
                    lagAlarmSeconds: configuration.lagAlarmSeconds,
                    retentionDays: configuration.retentionDays == 0 ? nil : configuration.retentionDays),
                directories: directories, statistics: statistics,
                committed: { [server] in server.committedSequence(shard: $0) }, logger: logger)
            services.append(
                .init(
                    service: shipper, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: "history shipping"))
        }
        return services
    }
}
