import Logging
import PortLeaseTransport
import PortLeaseWire

/// The receive thread's body: the io_uring loop feeding the classifier, which answers
/// Information-Requests itself and copies DHCPV4-QUERYs into the shards' queues.
///
/// A loop error is fatal to the server (the sockets or the ring are unusable): it is
/// logged and returned as a ``FatalFault`` (exit status 70).
struct ReceiveThread: @unchecked Sendable {
    let loop: ReceiveLoop
    let sink: TransportReplySink
    let queues: [ShardQueue]
    let signals: [WorkerSignal]
    let classifier: Classifier
    let counters: ServerCounters
    let logger: Logger
    let injectedFault: InjectedFault?
    let queueDelayBudget: QueueDelayBudget

    /// Receives until the loop is stopped (nil) or fails (the fault).
    func run() -> FatalFault? {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
        defer { scratch.deallocate() }
        var touched = [Bool](repeating: false, count: queues.count)
        var faultInjected = false
        var arrivals = ArrivalClock()
        var shedding = KernelShedding()
        do throws(TransportError) {
            try loop.run(
                handler: { datagram in
                    var reply = ByteWriter(scratch)
                    let origin = DatagramOrigin(
                        source: datagram.source.address, sourcePort: datagram.source.port,
                        scopeID: datagram.source.scopeID, destination: datagram.destination,
                        interfaceIndex: datagram.interfaceIndex, socketIndex: datagram.socketIndex)
                    var parsed: QueuedQuery?
                    switch classifier.classify(
                        datagram.payload, source: origin.source, reply: &reply, counters: counters, parsed: &parsed)
                    {
                    case .query(let route):
                        // Stale already (it waited in the socket buffer): shed before it takes a slot.
                        let received = arrivals.monotonicTime(ofKernelStamp: datagram.kernelReceiveTime)
                        let now = arrivals.monotonicTime(ofKernelStamp: 0)
                        if let reason = queueDelayBudget.shed(waited: now - received, lane: route.lane) {
                            counters.countDrop(reason)
                            return
                        }
                        let admission = queues[route.shard].admit(
                            datagram.payload, parsed: parsed, origin: origin, received: received, lane: route.lane,
                            exchange: route.exchange)
                        if admission == .queued { touched[route.shard] = true }
                    case .answered:
                        if !sink.enqueue(reply.written, to: origin) { counters.countDrop(.replyFailed) }
                    case .dropped:
                        break
                    }
                },
                batchEnd: {
                    arrivals.startBatch()
                    shedding.update(queues: queues, sockets: loop.sockets, counters: counters, logger: logger)
                    for index in touched.indices where touched[index] {
                        signals[index].notify()
                        touched[index] = false
                    }
                    sink.flush()
                    if injectedFault == .receiveLoop && !faultInjected {
                        faultInjected = true
                        loop.stop()
                    }
                })
        } catch {
            return failed("\(error)")
        }
        return faultInjected ? failed(InjectedFault.receiveLoopError) : nil
    }

    private func failed(_ reason: String) -> FatalFault {
        logger.critical("receive loop failed; stopping the server", metadata: ["error": "\(reason)"])
        return FatalFault(part: "receive loop", reason: reason, status: .partFailed)
    }
}
