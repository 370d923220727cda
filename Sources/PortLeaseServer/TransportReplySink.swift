import PortLeaseTransport

/// Sends replies through a ``SendRing``: each reply goes to its query's source
/// address and port on the socket the query came in on, leaving from the address
/// the query was sent to. One per thread (the ring is single-owner): it is
/// `Sendable` only so it can be handed to the thread that then owns it.
public final class TransportReplySink: ReplySink, @unchecked Sendable {
    private let ring: SendRing
    private let sockets: [UDPSocket]
    private let counters: ServerCounters

    public init(sockets: [UDPSocket], counters: ServerCounters, capacity: Int = 256) throws(TransportError) {
        ring = try SendRing(capacity: capacity)
        self.sockets = sockets
        self.counters = counters
    }

    public func enqueue(_ bytes: UnsafeRawBufferPointer, to origin: DatagramOrigin) -> Bool {
        let destination = SocketAddress6(address: origin.source, port: origin.sourcePort, scopeID: origin.scopeID)
        let socket = sockets[origin.socketIndex]
        if ring.enqueue(
            bytes, on: socket, to: destination, from: origin.replySource, interfaceIndex: origin.interfaceIndex)
        {
            return true
        }
        flush()  // full: send what is queued and try once more
        return ring.enqueue(
            bytes, on: socket, to: destination, from: origin.replySource, interfaceIndex: origin.interfaceIndex)
    }

    public func flush() {
        do throws(TransportError) {
            try ring.flush()
        } catch {
            counters.countDrop(.replyFailed)
        }
    }

    /// Sends that the kernel refused.
    public var failures: Int { ring.failures }
}
