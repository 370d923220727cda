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
        let identity: PEMIdentity
        do throws(PEMIdentity.Failure) {
            identity = try PEMIdentity(
                certificateFile: files.certificateFile, keyFile: files.keyFile, caFile: files.caFile,
                authoritiesName: "CA certificates")
        } catch {
            throw Failure("\(error)")
        }
        do {
            return try NIOSSLContext(configuration: identity.configuration(server: server))
        } catch {
            throw Failure("\(files.certificateFile): cannot set up TLS: \(error)")
        }
    }

    /// Adds TLS and the frame codec to a new channel's pipeline; with `tap`, a ``FrameTap``
    /// after the decoder.
    static func configure(
        _ channel: any Channel, tls: NIOSSLContext, server: Bool, tap: FrameTap.Body? = nil
    ) -> EventLoopFuture<Connection> {
        channel.eventLoop.makeCompletedFuture {
            let operations = channel.pipeline.syncOperations
            if server {
                try operations.addHandler(NIOSSLServerHandler(context: tls))
            } else {
                try operations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: nil))
            }
            try operations.addHandler(ByteToMessageHandler(FrameDecoder()))
            if let tap { try operations.addHandler(FrameTap(tap)) }
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

    /// Connects to a partner at `host`:`port`, giving up after `timeoutMilliseconds`. Each
    /// frame received goes to `tap` first, on the event loop (``FrameTap``).
    public static func connect(
        host: String, port: Int, tls: NIOSSLContext, timeoutMilliseconds: Int64, tap: FrameTap.Body? = nil
    ) async throws -> Connection {
        try await ClientBootstrap(group: ControlPlane.eventLoops)
            .connectTimeout(.milliseconds(timeoutMilliseconds))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in configure(channel, tls: tls, server: false, tap: tap) }
    }
}
