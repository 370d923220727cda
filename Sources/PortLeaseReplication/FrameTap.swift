import NIOCore

/// Shows each decoded frame to a closure on the connection's event loop, then passes it on.
///
/// The active acknowledges records through it: an acknowledgement moves the ``PartnerGate``
/// (and so lets the workers send the ACKs it covers) where it is read, instead of after a
/// hand-off from the event loop to a task on the cooperative pool (ARCHITECTURE.md,
/// "Synchronous replication's round trip"). The body must be quick and must not block: it
/// runs on the control plane's event loop.
public final class FrameTap: ChannelInboundHandler, Sendable {
    public typealias InboundIn = ReplicationFrame
    public typealias InboundOut = ReplicationFrame
    public typealias Body = @Sendable (ReplicationFrame) -> Void

    private let body: Body

    init(_ body: @escaping Body) {
        self.body = body
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        body(unwrapInboundIn(data))
        context.fireChannelRead(data)
    }
}
