import PortLeaseTransport
import PortLeaseWire

/// A bare io_uring UDP echo: every datagram goes straight back to its sender.
///
/// The same `ReceiveLoop` and `SendRing` the server uses, with no parsing and no work between
/// receive and send, so a generator measured against it shows the ceiling of generator plus
/// loopback on this machine: no server can answer faster through the same transport.
public final class EchoResponder: @unchecked Sendable {
    public let socket: UDPSocket
    private let loop: ReceiveLoop
    private let sender: SendRing
    /// Datagrams echoed so far (read after `run` returns).
    public private(set) var echoed = 0

    /// Binds `address`:`port` (port 0 picks one: see `socket.localAddress`).
    public init(address: IPv6Address, port: UInt16) throws(TransportError) {
        socket = try UDPSocket(bind: address, port: port)
        _ = try? socket.setReceiveBufferSize(16 << 20)
        loop = try ReceiveLoop(sockets: [socket], bufferCount: 4096, bufferSize: 2048)
        sender = try SendRing(capacity: 1024, slotSize: 2048)
    }

    /// Echoes until `stop()`, on the calling thread.
    public func run() throws(TransportError) {
        var failure: TransportError?
        try loop.run(
            handler: { datagram in
                if !sender.enqueue(datagram.payload, on: socket, to: datagram.source) {
                    flush(&failure)
                    _ = sender.enqueue(datagram.payload, on: socket, to: datagram.source)
                }
                echoed += 1
            },
            batchEnd: { flush(&failure) })
        if let failure { throw failure }
    }

    /// Makes `run` return; safe from any thread.
    public func stop() {
        loop.stop()
    }

    private func flush(_ failure: inout TransportError?) {
        do throws(TransportError) { try sender.flush() } catch {
            failure = failure ?? error
            loop.stop()
        }
    }
}
