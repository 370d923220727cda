import ArgumentParser
import Foundation
import LeaseEngine
import Logging
import PortLeaseConfiguration
import PortLeaseControl
import PortLeaseHistory
import PortLeaseServer
import PortLeaseSystem
import ServiceLifecycle

/// `portlease serve --config FILE`: runs the server until SIGTERM or SIGINT, or until a
/// part of it fails (see the exit statuses below and `Docs/LeaseLog.md`, "Failure policy").
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the server.",
        discussion: """
            Recovers the lease log, then answers DHCPv4-over-DHCPv6 queries. SIGTERM or SIGINT:
            stop receiving, finish the queued work, commit, exit 0. SIGHUP: re-read the file and
            apply it (see Config/README.md for what a reload may change).
            Exit statuses: 0 stopped by a signal; 1 could not start (nothing is left running);
            70 a part of the server failed (receive loop, a thread that ended); 74 a lease log
            failed (an fdatasync error: restart so that recovery reads what is on disk).
            Example: portlease serve --config Config/quickstart.json
            """
    )

    @Option(name: .shortAndLong, help: "The JSON configuration file.")
    var config: String

    func run() async throws {
        let configuration: ServerConfiguration
        do throws(ConfigurationError) {
            configuration = try ServerConfiguration.load(contentsOf: config)
        } catch {
            ConfigurationReport.print(error, file: config)
            throw ExitCode(FatalFault.ExitStatus.startFailed.rawValue)
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
            return handler
        }
        let logger = Logger(label: "portlease")
        for warning in configuration.warnings() {
            logger.warning("configuration", metadata: ["key": "\(warning.keyPath)", "warning": "\(warning.reason)"])
        }
        var settings = Server.Settings(configuration)
        settings.injectedFault = try Self.injectedFault(logger: logger)
        // Reservations made through the API, kept beside the lease log, join the file's.
        let stored: [Reservation]
        do throws(ConfigurationError) {
            stored = try ReservationFile.load(directory: configuration.leaseLog.directory)
        } catch {
            logger.critical("portlease cannot start", metadata: ["reason": "\(error)"])
            throw ExitCode(FatalFault.ExitStatus.startFailed.rawValue)
        }
        settings.engine.reservations += stored
        var history: HistoryServices?
        if let section = configuration.history {
            do {
                history = try HistoryServices(section, workers: configuration.workers)
            } catch {
                logger.critical("portlease cannot start", metadata: ["reason": "\(error)"])
                throw ExitCode(FatalFault.ExitStatus.startFailed.rawValue)
            }
            history?.apply(to: &settings)
        }
        var redundancy: RedundancyServices?
        if let section = configuration.redundancy {
            do {
                redundancy = try RedundancyServices(
                    section, leaseLogDirectory: configuration.leaseLog.directory, workers: configuration.workers)
            } catch {
                logger.critical("portlease cannot start", metadata: ["reason": "\(error)"])
                throw ExitCode(FatalFault.ExitStatus.startFailed.rawValue)
            }
            redundancy?.apply(to: &settings)
        }
        let server = Server(settings: settings, logger: logger)
        let reloader = Reloader(server: server, path: config, current: configuration, logger: logger)
        // Trapped before start-up, so that an early SIGHUP does not terminate the process.
        let hangup = await HangupService { reloader.reload() }
        // Held until the process ends: no second server, and no import, on this log meanwhile.
        let lock: DirectoryLock
        do throws(LeaseLogLock.Refusal) {
            lock = try LeaseLogLock.take(configuration.leaseLog.directory)
        } catch {
            logger.critical("portlease cannot start", metadata: ["reason": "\(error)"])
            throw ExitCode(FatalFault.ExitStatus.startFailed.rawValue)
        }
        defer { lock.unlock() }
        do throws(ServerError) {
            try server.start()
        } catch {
            logger.critical("portlease cannot start", metadata: ["reason": "\(error)"])
            throw ExitCode(FatalFault.ExitStatus.startFailed.rawValue)
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(
                service: server, successTerminationBehavior: .gracefullyShutdownGroup,
                failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: "server"),
            .init(service: hangup, serviceName: "reload on SIGHUP"),
        ]
        services +=
            history?.services(
                server: server, leaseLogDirectory: configuration.leaseLog.directory, logger: logger) ?? []
        do {
            services +=
                try redundancy?.services(
                    server: server, leaseLogDirectory: configuration.leaseLog.directory, logger: logger) ?? []
        } catch {
            logger.critical("portlease cannot start", metadata: ["reason": "\(error)"])
            server.stop()
            throw ExitCode(FatalFault.ExitStatus.startFailed.rawValue)
        }
        let socket = configuration.control.socketPath(leaseLogDirectory: configuration.leaseLog.directory)
        if socket != nil || configuration.controlTCP != nil {
            do {
                // After the server: graceful shutdown stops the API before the workers drain.
                services.append(
                    .init(
                        service: try ControlService(
                            server: server, socketPath: socket, tcp: try Self.controlListener(configuration),
                            reservations: ReservationBook(
                                server: server, configured: configuration.engine.reservations, stored: stored,
                                directory: configuration.leaseLog.directory),
                            reload: { reloader.reload() }, redundancy: redundancy?.control, logger: logger),
                        successTerminationBehavior: .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: "control API"))
            } catch {
                logger.critical("portlease cannot start", metadata: ["reason": "\(error)"])
                server.stop()
                throw ExitCode(FatalFault.ExitStatus.startFailed.rawValue)
            }
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // A shutdown that hangs (a peer that stopped reading, a lost wake-up) must still end
        // the process, so that systemd can start it again: the services are cancelled after
        // the server's own drain time and a margin, and a cancellation that does not finish
        // ends the process with a crash report.
        groupConfiguration.maximumGracefulShutdownDuration = Server.maximumShutdownDuration + .seconds(10)
        groupConfiguration.maximumCancellationDuration = .seconds(10)
        let group = ServiceGroup(configuration: groupConfiguration)
        do {
            try await group.run()
        } catch {
            let fault =
                error as? FatalFault ?? FatalFault(part: "service group", reason: "\(error)", status: .partFailed)
            logger.critical(
                "portlease exits after a fatal fault",
                metadata: [
                    "part": "\(fault.part)", "reason": "\(fault.reason)", "exit-status": "\(fault.status.rawValue)",
                ])
            throw ExitCode(fault.status.rawValue)
        }
    }

    /// The control API's TCP listener, its token read from the token file.
    static func controlListener(_ configuration: ServerConfiguration) throws -> ControlService.TCPListener? {
        guard let tcp = configuration.controlTCP else { return nil }
        var token: [UInt8]?
        if let file = tcp.tokenFile {
            let text = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { throw ControlError.cannotPrepare(file, reason: "the token file is empty") }
            token = Array(text.utf8)
        }
        return ControlService.TCPListener(host: tcp.host, port: Int(tcp.port), token: token, tls: tcp.tls)
    }

    /// The fault named by `PORTLEASE_INJECT_FAULT` (failure-policy tests only), read once.
    static func injectedFault(logger: Logger) throws -> InjectedFault? {
        guard let name = ProcessInfo.processInfo.environment[InjectedFault.environmentVariable] else { return nil }
        guard let fault = InjectedFault(rawValue: name) else {
            logger.critical(
                "portlease cannot start",
                metadata: [
                    "reason":
                        "\(InjectedFault.environmentVariable)=\(name) names no fault (known: \(InjectedFault.allCases.map(\.rawValue)))"
                ])
            throw ExitCode(FatalFault.ExitStatus.startFailed.rawValue)
        }
        logger.warning("fault injection is on (tests only)", metadata: ["fault": "\(name)"])
        return fault
    }
}

extension Server.Settings {
    /// The server's settings from a validated configuration file.
    init(_ configuration: ServerConfiguration) {
        self.init(
            engine: configuration.engine, listenAddresses: configuration.listen.addresses,
            port: configuration.listen.port, interfaces: configuration.listen.interfaces,
            dhcp4o6ServerAddresses: configuration.dhcp4o6ServerAddresses, serverDUID: configuration.serverDUID,
            workers: configuration.workers, queueDepth: configuration.queueDepth,
            leaseLogDirectory: configuration.leaseLog.directory, leaseLogOptions: configuration.leaseLog.options,
            metrics: configuration.metrics.map { ($0.host, $0.port) },
            maintenance: LogMaintenance.Settings(
                interval: Int64(min(configuration.leaseLog.compactionIntervalSeconds, 10)) * 1000,
                retentionDays: configuration.leaseLog.historyDays),
            discoverRate: configuration.discoverRate,
            queueDelayBudget: QueueDelayBudget(milliseconds: configuration.queueDelayBudgetMilliseconds))
    }
}
