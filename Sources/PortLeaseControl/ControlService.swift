import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOPosix
import PortLeaseConfiguration
import PortLeaseControlPlane
import PortLeaseServer
import PortLeaseSystem
import ServiceLifecycle

/// The control API as a swift-service-lifecycle `Service`: a Hummingbird application on a
/// UNIX socket, run in `portlease serve`'s `ServiceGroup` after the ``Server``, so graceful
/// shutdown stops it before the shard workers drain, and a failure of it ends the group.
///
/// Access control is the file system's: the socket lives in its own directory (created 0750
/// before the bind, so there is no moment the socket is reachable with wider permissions)
/// and is made 0660 once it listens; give operators the server user's group. The API runs on
/// Hummingbird's event loops, never on the io_uring threads; it reads what the shards
/// publish (``StatusDocument``).
public struct ControlService: Service {
    /// The optional TCP listener (`"control": {"listen": ...}`).
    public struct TCPListener: Sendable {
        public var host: String
        public var port: Int
        /// The bearer token every request must carry; nil: none.
        public var token: [UInt8]?
        /// TLS with client certificates; nil: plain HTTP (loopback only, unless a token: `check-config` says).
        public var tls: PortLeaseConfiguration.ServerConfiguration.ControlTLS?

        public init(
            host: String, port: Int, token: [UInt8]?, tls: PortLeaseConfiguration.ServerConfiguration.ControlTLS? = nil
        ) {
            self.host = host
            self.port = port
            self.token = token
            self.tls = tls
        }
    }

    public let socketPath: String?
    private let applications: [Application<RouterResponder<BasicRequestContext>>]

    /// Prepares the socket's directory and refuses a socket another process answers on (a
    /// second server given the same path would otherwise take it over). Throws with the reason.
    /// `reservations` changes the server's reservations and `reload` re-reads its configuration
    /// file (nil: `/v1/reservations` and `/v1/config/reload` answer 503).
    public init(
        server: PortLeaseServer.Server, socketPath: String?, tcp: TCPListener? = nil,
        reservations: ReservationBook? = nil,
        reload: (@Sendable () -> ReloadOutcome)? = nil,
        redundancy: RedundancyControl? = nil, logger: Logger
    ) throws(ControlError) {
        if let socketPath { try Self.prepare(socketPath) }
        self.socketPath = socketPath
        let started = SystemClock.monotonicNanoseconds()
        var applications: [Application<RouterResponder<BasicRequestContext>>] = []
        if let socketPath {
            applications.append(
                Application(
                    router: ControlRoutes.router(
                        server: server, started: started, reservations: reservations, reload: reload,
                        redundancy: redundancy),
                    configuration: .init(address: .unixDomainSocket(path: socketPath), serverName: "portlease"),
                    onServerRunning: { _ in
                        do throws(SystemCallError) {
                            try Files.setPermissions(socketPath, 0o660)
                        } catch {
                            logger.error("control API socket permissions not set", metadata: ["error": "\(error)"])
                        }
                        logger.info("control API listening", metadata: ["socket": "\(socketPath)"])
                    },
                    eventLoopGroupProvider: .shared(Self.eventLoops), logger: logger))
        }
        if let tcp {
            var builder = HTTPServerBuilder.http1()
            if let files = tcp.tls {
                let tls = try ControlTLSContext.configuration(files)
                do {
                    builder = try .tls(.http1(), tlsConfiguration: tls)
                } catch {
                    throw .cannotPrepare(files.certificateFile, reason: "TLS: \(error)")
                }
            }
            applications.append(
                Application(
                    router: ControlRoutes.router(
                        server: server, started: started, token: tcp.token, reservations: reservations, reload: reload,
                        redundancy: redundancy),
                    server: builder,
                    configuration: .init(address: .hostname(tcp.host, port: tcp.port), serverName: "portlease"),
                    onServerRunning: { channel in
                        logger.info(
                            "control API listening",
                            metadata: [
                                "tcp": "\(tcp.host):\(channel.localAddress?.port ?? tcp.port)",
                                "token": "\(tcp.token == nil ? "none" : "required")",
                                "tls": "\(tcp.tls == nil ? "off" : "client certificates required")",
                            ])
                    },
                    eventLoopGroupProvider: .shared(Self.eventLoops), logger: logger))
        }
        self.applications = applications
    }

    /// Runs the listeners until graceful shutdown. Every task they start (a connection, a
    /// request, the continuation a shard worker resumes) prefers the API's event-loop thread
    /// (nice 10) to Swift's cooperative threads, which run at the packet path's priority.
    public func run() async throws {
        try await withTaskExecutorPreference(Self.taskExecutor) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for application in applications { group.addTask { try await application.run() } }
                // The first listener to fail ends the others, and the service with its error.
                for try await _ in group {}
            }
        }
    }

    static var taskExecutor: EventLoopTaskExecutor { ControlPlane.taskExecutor }
    static var eventLoops: MultiThreadedEventLoopGroup { ControlPlane.eventLoops }

    /// The directory (0750, created if missing) and a check that no server answers on `path`.
    static func prepare(_ path: String) throws(ControlError) {
        guard path.utf8.count <= SocketCalls.longestLocalPath else {
            throw .socketPathTooLong(path, limit: SocketCalls.longestLocalPath)
        }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do throws(SystemCallError) {
                try Files.createDirectory(directory, intermediates: true)
                try Files.setPermissions(directory, 0o750)
            } catch {
                throw .cannotPrepare(path, reason: "\(error)")
            }
        }
        let answered: Bool
        do throws(SystemCallError) {
            let descriptor = try SocketCalls.connectLocal(path)
            try? descriptor.close()
            answered = true
        } catch {
            // ENOENT (no file) or ECONNREFUSED (a socket left by a process that ended): free to bind.
            guard error.code == .noSuchFileOrDirectory || error.code == .connectionRefused else {
                throw .cannotPrepare(path, reason: "\(error)")
            }
            answered = false
        }
        if answered { throw .socketInUse(path) }
    }
}

/// Why the control API cannot start.
public enum ControlError: Error, CustomStringConvertible {
    case socketPathTooLong(String, limit: Int)
    case socketInUse(String)
    case cannotPrepare(String, reason: String)

    public var description: String {
        switch self {
        case .socketPathTooLong(let path, let limit):
            "control socket \(path): \(path.utf8.count) bytes, a UNIX socket path may have at most \(limit)"
        case .socketInUse(let path):
            "control socket \(path): another process answers on it (a second server with the same control socket?)"
        case .cannotPrepare(let path, let reason): "control socket \(path): \(reason)"
        }
    }
}
