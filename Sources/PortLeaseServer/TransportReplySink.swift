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
        send(origin) { ring, socket, destination in
            ring.enqueue(
                bytes, on: socket, to: destination, from: origin.replySource, interfaceIndex: origin.interfaceIndex)
        }
    }

    public func enqueue(borrowing bytes: UnsafeRawBufferPointer, to origin: DatagramOrigin) -> Bool {
        send(origin) { ring, socket, destination in
            ring.enqueue(
                borrowing: bytes, on: socket, to: destination, from: origin.replySource,
                interfaceIndex: origin.interfaceIndex)
        }
    }

    /// Runs `enqueue` for `origin`'s socket and source; when the ring is full, sends what is
    /// queued and tries once more.
    private func send(_ origin: DatagramOrigin, _ enqueue: (SendRing, UDPSocket, SocketAddress6) -> Bool) -> Bool {
        let destination = SocketAddress6(address: origin.source, port: origin.sourcePort, scopeID: origin.scopeID)
        let socket = sockets[origin.socketIndex]
        if enqueue(ring, socket, destination) { return true }
        flush()
        return enqueue(ring, socket, destination)
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
