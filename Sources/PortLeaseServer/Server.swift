import Foundation
import LeaseEngine
import LeaseLog
import Logging
import PortLeaseTransport
import PortLeaseWire
import PortSetPool

/// The PortLease daemon: recovers the lease logs, opens the sockets, and runs the
/// receive loop, one worker thread per shard and the metrics endpoint until stopped.
///
/// ```
/// receive thread: io_uring multishot recvmsg -> Classifier
///     Information-Request -> Reply with option 88 (sent from this thread)
///     DHCPV4-QUERY -> copy into shard i's bounded queue (full: drop + count)
/// shard worker i: drain batch -> LeaseEngine -> records -> one commit -> sendmsg batch
/// ```
/// `stop()` (SIGTERM/SIGINT) stops receiving, lets every worker finish the batch in
/// hand and what is queued, commit, and exit; nothing acknowledged is lost.
public final class Server: @unchecked Sendable {
    /// What the server needs, already validated (the configuration module builds it).
    public struct Settings: Sendable {
        public var engine: EngineConfiguration
        public var listenAddresses: [IPv6Address]
        public var port: UInt16
        /// Interfaces on which to join ff02::1:2.
        public var interfaces: [String]
        /// Option 88's contents.
        public var dhcp4o6ServerAddresses: [IPv6Address]
        public var serverDUID: [UInt8]?
        public var workers: Int
        public var queueDepth: Int
        public var leaseLogDirectory: String
        public var leaseLogOptions: LeaseLog.Options
        /// (host, port) of the metrics endpoint; nil: none.
        public var metrics: (host: String, port: UInt16)?

        public init(
            engine: EngineConfiguration, listenAddresses: [IPv6Address], port: UInt16, interfaces: [String] = [],
            dhcp4o6ServerAddresses: [IPv6Address], serverDUID: [UInt8]? = nil, workers: Int = 2,
            queueDepth: Int = 4096, leaseLogDirectory: String, leaseLogOptions: LeaseLog.Options = .init(),
            metrics: (host: String, port: UInt16)? = nil
        ) {
            self.engine = engine
            self.listenAddresses = listenAddresses
            self.port = port
            self.interfaces = interfaces
            self.dhcp4o6ServerAddresses = dhcp4o6ServerAddresses
            self.serverDUID = serverDUID
            self.workers = workers
            self.queueDepth = queueDepth
            self.leaseLogDirectory = leaseLogDirectory
            self.leaseLogOptions = leaseLogOptions
            self.metrics = metrics
        }
    }

    /// Socket receive buffer asked for on each listening socket.
    public static let receiveBufferBytes = 8 << 20

    public let settings: Settings
    public let logger: Logger
    public let counters = ServerCounters()
    public private(set) var workers: [ShardWorker] = []
    public private(set) var sockets: [UDPSocket] = []
    public private(set) var metricsEndpoint: MetricsEndpoint?
    public private(set) var serverDUID: [UInt8] = []
    private var receiveLoop: ReceiveLoop?
    private var dropReporter: DropReporter?
    private let finished = DispatchGroup()
    private var stopped = false
    private let stopLock = NSLock()

    public init(settings: Settings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// The UDP port the first socket is bound to (the real one when 0 was asked).
    public var port: UInt16 { sockets.first?.localAddress.port ?? settings.port }

    /// Recovers the logs, opens everything and starts the threads. Returns once the
    /// server is answering. Throws with the cause if anything cannot be set up, and
    /// then leaves nothing running.
    public func start() throws(ServerError) {
        if let problem = IORingSupport.check() { throw .transport("\(problem)") }
        let now = SystemCalls.nowMilliseconds()
        let engines: [LeaseEngine]
        do throws(EngineError) {
            engines = try LeaseEngine.makeShards(settings.engine, count: settings.workers)
        } catch {
            throw .configuration("\(error)")
        }
        let logs = try ShardLogs.open(
            base: settings.leaseLogDirectory, engines: engines, options: settings.leaseLogOptions, now: now,
            logger: logger)
        serverDUID = try ServerIdentity.duid(
            configured: settings.serverDUID, stateDirectory: settings.leaseLogDirectory)
        do throws(TransportError) {
            sockets = try settings.listenAddresses.map { (address) throws(TransportError) in
                try UDPSocket(bind: address, port: settings.port, multicastInterfaces: settings.interfaces)
            }
            // The kernel default (~208 KB) holds about a hundred full datagrams: a burst of
            // renewals after an outage would overflow it before the loop runs.
            for socket in sockets where (try? socket.setReceiveBufferSize(Self.receiveBufferBytes)) == nil {
                logger.warning(
                    "could not raise the socket receive buffer", metadata: ["socket": "\(socket.localAddress)"])
            }
            receiveLoop = try ReceiveLoop(sockets: sockets)
            for (index, engine) in engines.enumerated() {
                let sink = try TransportReplySink(sockets: sockets, counters: counters)
                workers.append(
                    ShardWorker(
                        shard: index, engine: engine, log: logs[index],
                        queue: ShardQueue(capacity: settings.queueDepth), sink: sink, counters: counters,
                        logger: logger))
            }
        } catch {
            sockets.forEach { $0.close() }
            logs.forEach { $0.close() }
            throw .transport("\(error)")
        }
        if let metrics = settings.metrics {
            let renderer = MetricsRenderer(
                counters: counters, shards: workers.map(\.statistics), queues: workers.map(\.queue),
                pools: zip(settings.engine.pools, engines[0].pools).map { ($0.name, $1) },
                extra: { [weak self] in self?.transportSamples() ?? [] })
            metricsEndpoint = try MetricsEndpoint(host: metrics.host, port: metrics.port) { renderer.render() }
        }
        for worker in workers { spawn("portlease-shard-\(worker.shard)") { worker.run() } }
        let reporter = DropReporter(
            counters: counters, shards: workers.map(\.statistics), queues: workers.map(\.queue), logger: logger)
        dropReporter = reporter
        spawn("portlease-drop-reporter") { reporter.run() }
        if let endpoint = metricsEndpoint { spawn("portlease-metrics") { endpoint.run() } }
        let receiveSink: TransportReplySink
        do throws(TransportError) {
            receiveSink = try TransportReplySink(sockets: sockets, counters: counters)
        } catch {
            throw .transport("\(error)")
        }
        let classifier = Classifier(
            shardCount: workers.count, serverDUID: serverDUID, serverAddresses: settings.dhcp4o6ServerAddresses)
        let loop = receiveLoop!
        spawn("portlease-receive") { [self] in
            receive(loop: loop, classifier: classifier, sink: receiveSink)
            // Receiving has stopped: let the workers drain, commit and finish.
            workers.forEach { $0.stop() }
        }
        logger.info(
            "portlease started",
            metadata: [
                "listen": "\(sockets.map { $0.localAddress.description }.joined(separator: ", "))",
                "workers": "\(workers.count)", "pools": "\(settings.engine.pools.map(\.name).joined(separator: ", "))",
                "lease-log": "\(settings.leaseLogDirectory)",
                "metrics": "\(metricsEndpoint.map { "\($0.host):\($0.port)" } ?? "off")",
            ])
    }

    private func receive(loop: ReceiveLoop, classifier: Classifier, sink: TransportReplySink) {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
        defer { scratch.deallocate() }
        var touched = [Bool](repeating: false, count: workers.count)
        let workers = self.workers
        do throws(TransportError) {
            try loop.run(
                handler: { datagram in
                    var reply = ByteWriter(scratch)
                    let origin = DatagramOrigin(
                        source: datagram.source.address, sourcePort: datagram.source.port,
                        scopeID: datagram.source.scopeID, destination: datagram.destination,
                        interfaceIndex: datagram.interfaceIndex, socketIndex: datagram.socketIndex)
                    switch classifier.classify(datagram.payload, reply: &reply, counters: counters) {
                    case .query(let shard):
                        if workers[shard].queue.enqueue(datagram.payload, origin: origin) { touched[shard] = true }
                    case .answered:
                        if !sink.enqueue(reply.written, to: origin) { counters.countDrop(.replyFailed) }
                    case .dropped:
                        break
                    }
                },
                batchEnd: {
                    for index in touched.indices where touched[index] {
                        workers[index].signal.notify()
                        touched[index] = false
                    }
                    sink.flush()
                })
        } catch {
            logger.critical("receive loop failed; shutting down", metadata: ["error": "\(error)"])
        }
    }

    private func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) {
        finished.enter()
        let thread = Thread { [finished] in
            body()
            finished.leave()
        }
        thread.name = name
        thread.start()
    }

    /// True when any port set of pool `name` within `range` is taken (leased, offered
    /// or quarantined): reads the pool's atomic words, safe from any thread.
    public func hasBindings(pool name: String, in range: ClosedRange<IPv4Address>) -> Bool {
        guard let index = settings.engine.pools.firstIndex(where: { $0.name == name }),
            let engine = workers.first?.engine
        else { return false }
        let pool = engine.pools[index]
        let length = pool.configuration.maximumPSIDLength
        for value in range.lowerBound.value...range.upperBound.value {
            for psid in 0..<(1 << length) {
                let portSet = AllocatedPortSet(address: value, psid: psid, psidLength: length)
                // Reserved sets throw (they are never a client's), so only held sets count.
                if let free = try? pool.isFree(portSet), !free { return true }
            }
        }
        return false
    }

    /// Hands a new engine configuration to every worker (see ``LeaseEngine/reconfigure(_:)``).
    public func reconfigure(_ configuration: EngineConfiguration) {
        workers.forEach { $0.reconfigure(configuration) }
    }

    /// Stops receiving; workers finish what is queued and commit. Thread-safe, idempotent.
    public func stop() {
        stopLock.lock()
        defer { stopLock.unlock() }
        guard !stopped else { return }
        stopped = true
        logger.info("portlease stopping: finishing queued work and committing")
        receiveLoop?.stop()
        metricsEndpoint?.stop()
        dropReporter?.stop()
    }

    /// Blocks until every thread has finished after ``stop()``, then closes sockets and logs.
    public func wait() {
        finished.wait()
        // The loop holds the sockets in its ring: release it so the ports are free at once.
        receiveLoop = nil
        sockets.forEach { $0.close() }
        workers.forEach { $0.log.close() }
        logger.info("portlease stopped")
    }

    private func transportSamples() -> [(name: String, help: String, value: Int)] {
        guard let statistics = receiveLoop?.statistics else { return [] }
        return [
            (
                "portlease_transport_truncated_total", "Datagrams larger than a receive buffer, dropped.",
                statistics.truncated
            ),
            (
                "portlease_transport_no_buffers_total", "Receives that found no free buffer (ENOBUFS).",
                statistics.noBuffers
            ),
            ("portlease_transport_rearms_total", "Times multishot receive had to be re-armed.", statistics.rearms),
        ]
    }
}
