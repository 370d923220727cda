import Logging
import PortLeaseTransport
import PortLeaseWire

/// Everything of the transport that ``Server/start()`` must have before it starts a
/// thread: the bound sockets, the receive loop's ring and one send ring per thread.
/// Opened all at once; a failure part-way closes what was opened, so a server that
/// cannot start leaves no socket or ring behind.
struct ServerTransport {
    let sockets: [UDPSocket]
    let receiveLoop: ReceiveLoop
    /// The receive thread's sink (Information-Request replies).
    let receiveSink: TransportReplySink
    /// One per shard worker.
    let workerSinks: [TransportReplySink]

    /// Binds every listen address, sets up the receive ring and `workers` + 1 send rings.
    static func open(
        _ settings: Server.Settings, workers: Int, counters: ServerCounters, receiveBufferBytes: Int, logger: Logger
    ) throws(ServerError) -> ServerTransport {
        var sockets: [UDPSocket] = []
        do throws(TransportError) {
            for address in settings.listenAddresses {
                sockets.append(
                    try UDPSocket(bind: address, port: settings.port, multicastInterfaces: settings.interfaces))
            }
            // The kernel default (~208 KB) holds about a hundred full datagrams: a burst of
            // renewals after an outage would overflow it before the loop runs.
            for socket in sockets where (try? socket.setReceiveBufferSize(receiveBufferBytes)) == nil {
                logger.warning(
                    "could not raise the socket receive buffer", metadata: ["socket": "\(socket.localAddress)"])
            }
            let loop = try ReceiveLoop(sockets: sockets)
            let receiveSink = try TransportReplySink(sockets: sockets, counters: counters)
            var workerSinks: [TransportReplySink] = []
            for _ in 0..<workers { workerSinks.append(try TransportReplySink(sockets: sockets, counters: counters)) }
            return ServerTransport(
                sockets: sockets, receiveLoop: loop, receiveSink: receiveSink, workerSinks: workerSinks)
        } catch {
            // Rings opened so far are released with their last reference, when this returns.
            sockets.forEach { $0.close() }
            throw .transport("\(error)")
        }
    }

    /// Closes the sockets at once, so the ports are free before the rings are released.
    func close() {
        sockets.forEach { $0.close() }
    }
}
