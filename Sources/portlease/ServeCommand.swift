import ArgumentParser
import Dispatch
import Foundation
import LeaseEngine
import Logging
import PortLeaseConfiguration
import PortLeaseServer
import ServiceLifecycle

/// `portlease serve --config FILE`: runs the server until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the server.",
        discussion: """
            Recovers the lease log, then answers DHCPv4-over-DHCPv6 queries. SIGTERM or SIGINT:
            stop receiving, finish the queued work, commit, exit 0. SIGHUP: re-read the file and
            apply it (see Config/README.md for what a reload may change).
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
            throw ExitCode(1)
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
            return handler
        }
        let logger = Logger(label: "portlease")
        let server = Server(settings: Server.Settings(configuration), logger: logger)
        do throws(ServerError) {
            try server.start()
        } catch {
            logger.critical("portlease cannot start", metadata: ["reason": "\(error)"])
            throw ExitCode(1)
        }
        let reloader = Reloader(server: server, path: config, current: configuration, logger: logger)
        let hangup = reloader.installSignalHandler()
        defer { hangup.cancel() }
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: PortLeaseService(server: server))],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}

/// The running server as a swift-service-lifecycle `Service`: it waits for the
/// group's graceful shutdown (SIGTERM/SIGINT), then stops the server and waits for
/// its workers to drain and commit.
struct PortLeaseService: Service {
    let server: Server

    func run() async throws {
        try? await gracefulShutdown()
        server.stop()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread {
                server.wait()
                continuation.resume()
            }.start()
        }
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
            metrics: configuration.metrics.map { ($0.host, $0.port) })
    }
}
