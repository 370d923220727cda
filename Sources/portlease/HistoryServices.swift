import Foundation
import LeaseLog
import Logging
import PortLeaseConfiguration
import PortLeaseHistory
import PortLeaseServer
import ServiceLifecycle

/// `portlease serve`'s part of the `"history"` section: the shipping statistics (created before
/// the server starts, so compaction holds back from its first pass), the syslog feed's, and the
/// services that ship and send. The two are independent: either, or both.
struct HistoryServices {
    let configuration: ServerConfiguration.History
    let connection: HistoryConnection?
    let statistics: ShippingStatistics?
    let syslogStatistics: SyslogStatistics?

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
        syslogStatistics = configuration.syslog == nil ? nil : SyslogStatistics()
    }

    /// The server's settings with compaction held back to the shipping cursors, and the metrics.
    func apply(to settings: inout Server.Settings) {
        if let statistics { settings.maintenance?.compactionLimit = { statistics.cursor($0) } }
        let (shipping, syslog) = (statistics, syslogStatistics)
        guard shipping != nil || syslog != nil else { return }
        settings.metricsAppendix = { (shipping?.render() ?? "") + (syslog?.render() ?? "") }
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
        if let syslog = configuration.syslog, let syslogStatistics {
            let destination: SyslogDestination =
                switch syslog.transport {
                case .udp: .udp(host: syslog.host, port: syslog.port)
                case .tcp: .tcp(host: syslog.host, port: syslog.port)
                case .unix: .unix(path: syslog.host)
                }
            let feed = SyslogFeed(
                origin: .init(
                    facility: syslog.facility, hostname: syslog.hostname ?? Self.machineName(),
                    processID: Int(ProcessInfo.processInfo.processIdentifier), instance: configuration.instance),
                sender: SyslogSender(destination: destination, statistics: syslogStatistics, logger: logger),
                statistics: syslogStatistics, directories: directories,
                committed: { [server] in server.committedSequence(shard: $0) },
                intervalMilliseconds: configuration.intervalMilliseconds, logger: logger)
            services.append(
                .init(
                    service: feed, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: "syslog feed"))
        }
        return services
    }

    /// The machine's name as `gethostname(2)` gives it (no DNS lookup): RFC 5424's HOSTNAME.
    static func machineName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "-" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
