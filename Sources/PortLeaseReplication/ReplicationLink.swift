import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PortLeaseConfiguration
import PortLeaseControlPlane

/// The replication link's connections: TCP with mutual TLS, framed as ``ReplicationFrame``s.
///
/// Both partners present a certificate and accept only a peer whose certificate the
/// configured CA signed (no certificate, or another CA's: the handshake fails before any
/// frame). Partners are addressed by IP, so host names are not checked: the CA is the trust
/// boundary, and should sign the partners' certificates only. Connections run on the control
/// plane's event loop, never on the packet path.
public enum ReplicationLink {
    /// A connection carrying frames both ways.
    public typealias Connection = NIOAsyncChannel<ReplicationFrame, ReplicationFrame>

    /// Why the link could not be prepared or used.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// The TLS settings from the configuration's PEM files, for both ends of a connection.
    public static func tlsContext(_ files: ServerConfiguration.Redundancy.TLS, server: Bool) throws -> NIOSSLContext {
        func load<Value>(_ path: String, _ what: String, _ body: () throws -> Value) throws -> Value {
            do {
                return try body()
            } catch {
                throw Failure("\(path): cannot read the \(what) (PEM): \(error)")
            }
        }
        let chain = try load(files.certificateFile, "certificate") {
            try NIOSSLCertificate.fromPEMFile(files.certificateFile).map { NIOSSLCertificateSource.certificate($0) }
        }
        let key = try load(files.keyFile, "private key") { try NIOSSLPrivateKey(file: files.keyFile, format: .pem) }
        let authorities = try load(files.caFile, "CA certificates") { try NIOSSLCertificate.fromPEMFile(files.caFile) }
        guard !chain.isEmpty else { throw Failure("\(files.certificateFile): no certificate in the file") }
        guard !authorities.isEmpty else { throw Failure("\(files.caFile): no certificate in the file") }
        var configuration =
            server
            ? TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            : TLSConfiguration.makeClientConfiguration()
        if !server {
            configuration.certificateChain = chain
            configuration.privateKey = .privateKey(key)
        }
        configuration.trustRoots = .certificates(authorities)
        configuration.certificateVerification = .noHostnameVerification
        configuration.minimumTLSVersion = .tlsv12
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw Failure("\(files.certificateFile): cannot set up TLS: \(error)")
        }
    }

    /// Adds TLS and the frame codec to a new channel's pipeline.
    static func configure(_ channel: any Channel, tls: NIOSSLContext, server: Bool) -> EventLoopFuture<Connection> {
        channel.eventLoop.makeCompletedFuture {
            let operations = channel.pipeline.syncOperations
            if server {
                try operations.addHandler(NIOSSLServerHandler(context: tls))
            } else {
                try operations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: nil))
            }
            try operations.addHandler(ByteToMessageHandler(FrameDecoder()))
            try operations.addHandler(MessageToByteHandler(FrameEncoder()))
            return try Connection(wrappingChannelSynchronously: channel)
        }
    }

    /// Listens on `host`:`port` for partners.
    public static func listen(host: String, port: Int, tls: NIOSSLContext) async throws
        -> NIOAsyncChannel<Connection, Never>
    {
        try await ServerBootstrap(group: ControlPlane.eventLoops)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in configure(channel, tls: tls, server: true) }
    }

    /// Connects to a partner at `host`:`port`, giving up after `timeoutMilliseconds`.
    public static func connect(host: String, port: Int, tls: NIOSSLContext, timeoutMilliseconds: Int64) async throws
        -> Connection
    {
        try await ClientBootstrap(group: ControlPlane.eventLoops)
            .connectTimeout(.milliseconds(timeoutMilliseconds))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in configure(channel, tls: tls, server: false) }
    }
}
