import Foundation
import LeaseEngine
import LeaseLog
import Logging
import PortLeaseTransport
import PortLeaseWire
import PortSetPool
import ServiceLifecycle
import Synchronization

/// The PortLease daemon: recovers the lease logs, opens the sockets, and runs the
/// receive loop, one worker thread per shard and the metrics endpoint until stopped.
///
/// ```
/// receive thread: io_uring multishot recvmsg -> Classifier
///     Information-Request -> Reply with option 88 (sent from this thread)
///     DHCPV4-QUERY -> copy into shard i's bounded queue (full: drop + count)
/// shard worker i: drain batch -> LeaseEngine -> records -> one commit -> sendmsg batch
/// ```
///
/// Lifecycle: ``start()`` does everything that can fail, then starts the threads; as a
/// swift-service-lifecycle `Service`, ``run()`` supervises them in a `ServiceGroup`, one
/// ``ThreadService`` per thread. A part that fails (a failed lease log, a receive-loop
/// error, a thread that ends unasked) ends the group with a ``FatalFault``, after the other
/// parts have stopped in order; graceful shutdown (SIGTERM/SIGINT) stops receiving first,
/// then lets every worker finish what is queued and commit, so nothing acknowledged is lost.
/// ``stop()`` and ``wait()`` do the same for callers that do not run a service group.
public final class Server: Service, @unchecked Sendable {
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
        /// Compaction and retention of the lease logs; nil: none (the logs only grow).
        public var maintenance: LogMaintenance.Settings?
        /// DISCOVERs per client source prefix; nil: no limit.
        public var discoverRate: DiscoverRate?
        /// How long a query may wait for its worker before it is shed.
        public var queueDelayBudget: QueueDelayBudget
        /// More metric families for the endpoint (history shipping's), in the text format.
        public var metricsAppendix: (@Sendable () -> String)?
        /// A fault to inject, for the failure-policy tests only (see ``InjectedFault``).
        package var injectedFault: InjectedFault?
        /// Sets the pools' roles once the engines exist, before any query is read: the pool
        /// groups' starting states (`LeaseEngine.served`); the redundancy services change them
        /// from then on.
        public var assignPoolRoles: (@Sendable (ServedPools) -> Void)?
        /// The standby's acknowledgement ACKs also wait for (synchronous replication); nil: none.
        public var partnerGate: PartnerGate?

        public init(
            engine: EngineConfiguration, listenAddresses: [IPv6Address], port: UInt16, interfaces: [String] = [],
            dhcp4o6ServerAddresses: [IPv6Address], serverDUID: [UInt8]? = nil, workers: Int = 2,
            queueDepth: Int = 4096, leaseLogDirectory: String, leaseLogOptions: LeaseLog.Options = .init(),
            metrics: (host: String, port: UInt16)? = nil, maintenance: LogMaintenance.Settings? = .init(),
            discoverRate: DiscoverRate? = nil, queueDelayBudget: QueueDelayBudget = QueueDelayBudget()
        ) {
            self.discoverRate = discoverRate
            self.queueDelayBudget = queueDelayBudget
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
            self.maintenance = maintenance
        }
    }

    /// Socket receive buffer asked for on each listening socket.
    public static let receiveBufferBytes = 8 << 20
    /// This build's version, as `portlease status` and the control API report it.
    public static let version = "0.1.0-dev"

    /// How long graceful shutdown may take before the group stops waiting for the threads.
    public static let maximumShutdownDuration = Duration.seconds(10)

    public let settings: Settings
    public let logger: Logger
    public let counters = ServerCounters()
    public private(set) var workers: [ShardWorker] = []
    /// The pools' utilisation against their alarms (set by ``start()``).
    public private(set) var poolWatch: PoolWatch?
    public private(set) var sockets: [UDPSocket] = []
    public private(set) var metricsEndpoint: MetricsEndpoint?
    public private(set) var serverDUID: [UInt8] = []
    /// The background compaction and retention of every shard's log (nil when turned off).
    public private(set) var maintenance: LogMaintenance?
    private var receiveLoop: ReceiveLoop?
    /// The threads, in start order: workers, drop reporter, metrics, receive loop (the
    /// group shuts them down in reverse, so receiving stops before the workers drain).
    private var parts: [ThreadService] = []
    private let finished = DispatchGroup()
    private let control = Mutex(Control())

    private struct Control {
        var stopped = false
        var group: ServiceGroup?
    }

    public init(settings: Settings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// Signalled after every shard's commit: a reader of the logs waits on it instead of polling.
    public let commits = CommitSignal()

    /// The sequence number of shard `shard`'s last durable record (0 before ``start()``): how far
    /// readers of its log may read.
    public func committedSequence(shard: Int) -> UInt64 {
        shard < workers.count ? workers[shard].statistics.committedSequence.load(ordering: .acquiring) : 0
    }

    /// The UDP port the first socket is bound to (the real one when 0 was asked).
    public var port: UInt16 { sockets.first?.localAddress.port ?? settings.port }

    /// Recovers the logs, opens everything and starts the threads. Returns once the
    /// server is answering. Everything that can fail happens before the first thread
    /// starts: on a throw (with the cause) no thread, socket, ring or log is left open.
    public func start() throws(ServerError) {
        if let problem = IORingSupport.check() { throw .transport("\(problem)") }
        let engines: [LeaseEngine]
        do throws(EngineError) {
            engines = try LeaseEngine.makeShards(settings.engine, count: settings.workers)
            if let served = engines.first?.served { settings.assignPoolRoles?(served) }
        } catch {
            if case .invalidReservation(let reservation, let reason) = error {
                throw .configuration(
                    "reservation \(reservation): \(reason) (it is in the configuration's \"reservations\" or in "
                        + "reservations.json in the lease-log directory)")
            }
            throw .configuration("\(error)")
        }
        let logs = try ShardLogs.open(
            base: settings.leaseLogDirectory, engines: engines, options: settings.leaseLogOptions,
            now: SystemCalls.nowMilliseconds(), logger: logger)
        let duid: [UInt8]
        let transport: ServerTransport
        do throws(ServerError) {
            duid = try ServerIdentity.duid(configured: settings.serverDUID, stateDirectory: settings.leaseLogDirectory)
            transport = try ServerTransport.open(
                settings, workers: engines.count, counters: counters, receiveBufferBytes: Self.receiveBufferBytes,
                logger: logger)
        } catch {
            logs.forEach { $0.close() }
            throw error
        }
        let poolWatch = PoolWatch(policies: settings.engine.pools, pools: engines[0].pools)
        // The pipelined commit needs the real file system (a test's injected one syncs in line).
        var syncRings: [SyncRing?] = Array(repeating: nil, count: engines.count)
        if settings.leaseLogOptions.durability == .fsync && settings.leaseLogOptions.fileSystem is SystemFileSystem {
            do throws(TransportError) {
                syncRings = try engines.indices.map { _ throws(TransportError) in try SyncRing() }
            } catch {
                transport.close()
                logs.forEach { $0.close() }
                throw .transport("\(error)")
            }
        }
        let workers = engines.indices.map { index in
            ShardWorker(
                shard: index, engine: engines[index], log: logs[index],
                queue: ShardQueue(capacity: settings.queueDepth), sink: transport.workerSinks[index],
                counters: counters, logger: logger, syncs: syncRings[index],
                queueDelayBudget: settings.queueDelayBudget, slowBatches: settings.injectedFault == .slowWorker,
                partnerGate: settings.partnerGate, commits: commits)
        }
        settings.partnerGate?.attach(workers.map(\.signal))
        ShardWorker.connect(workers)
        let maintenance = settings.maintenance.map { maintenanceSettings in
            LogMaintenance(
                directories: engines.indices.map { ShardLogs.directory(settings.leaseLogDirectory, shard: $0) },
                settings: maintenanceSettings, logger: logger)
        }
        var endpoint: MetricsEndpoint?
        if let metrics = settings.metrics {
            let renderer = MetricsRenderer(
                counters: counters, shards: workers.map(\.statistics), queues: workers.map(\.queue),
                pools: poolWatch,
                logs: maintenance?.statistics ?? [],
                extra: { [weak self] in self?.transportSamples() ?? [] }, appendix: settings.metricsAppendix)
            do throws(ServerError) {
                endpoint = try MetricsEndpoint(host: metrics.host, port: metrics.port) { renderer.render() }
            } catch {
                transport.close()
                logs.forEach { $0.close() }
                throw error
            }
        }
        // Nothing below can fail.
        serverDUID = duid
        sockets = transport.sockets
        receiveLoop = transport.receiveLoop
        self.workers = workers
        self.maintenance = maintenance
        self.poolWatch = poolWatch
        metricsEndpoint = endpoint
        launch(transport: transport, metrics: endpoint)
        logger.info(
            "portlease started",
            metadata: [
                "listen": "\(sockets.map { $0.localAddress.description }.joined(separator: ", "))",
                "workers": "\(workers.count)", "pools": "\(settings.engine.pools.map(\.name).joined(separator: ", "))",
                "lease-log": "\(settings.leaseLogDirectory)",
                "compaction":
                    "\(settings.maintenance.map { "every \($0.interval / 1000) s, \($0.retentionDays) days of history" } ?? "off")",
                "metrics": "\(endpoint.map { "\($0.host):\($0.port)" } ?? "off")",
            ])
    }

    /// Starts one thread per part, in the order the group shuts them down in reverse.
    private func launch(transport: ServerTransport, metrics: MetricsEndpoint?) {
        for worker in workers {
            parts.append(
                ThreadService(
                    name: "shard-\(worker.shard)", threadName: "portlease-shard-\(worker.shard)", group: finished,
                    stop: { worker.stop() }, body: { worker.run() }))
        }
        if let maintenance {
            parts.append(
                ThreadService(
                    name: "compaction", threadName: "portlease-compaction", group: finished,
                    stop: { maintenance.stop() }, body: { maintenance.run() }))
        }
        let reporter = DropReporter(
            counters: counters, shards: workers.map(\.statistics), queues: workers.map(\.queue), logger: logger,
            pools: poolWatch)
        parts.append(
            ThreadService(
                name: "drop reporter", threadName: "portlease-drop-reporter", group: finished,
                stop: { reporter.stop() },
                body: {
                    reporter.run()
                    return nil
                }))
        if let metrics {
            parts.append(
                ThreadService(
                    name: "metrics", threadName: "portlease-metrics", group: finished, stop: { metrics.stop() },
                    body: {
                        metrics.run()
                        return nil
                    }))
        }
        let receiver = ReceiveThread(
            loop: transport.receiveLoop, sink: transport.receiveSink, queues: workers.map(\.queue),
            signals: workers.map(\.signal),
            classifier: Classifier(
                shardCount: workers.count, serverDUID: serverDUID, serverAddresses: settings.dhcp4o6ServerAddresses,
                discoverRate: settings.discoverRate),
            counters: counters, logger: logger, injectedFault: settings.injectedFault,
            queueDelayBudget: settings.queueDelayBudget)
        parts.append(
            ThreadService(
                name: "receive loop", threadName: "portlease-receive", group: finished,
                stop: { [weak loop = transport.receiveLoop] in loop?.stop() }, body: { receiver.run() }))
    }

    /// Supervises the threads started by ``start()`` until graceful shutdown (returns
    /// once every worker has drained and committed) or until a part fails (throws its
    /// ``FatalFault`` once the other parts have stopped, or after
    /// ``maximumShutdownDuration``).
    public func run() async throws {
        if control.withLock({ $0.stopped }) {
            // stop() came first and stopped the parts itself: only wait for them.
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                Thread {
                    self.wait()
                    done.resume()
                }.start()
            }
            return
        }
        var configuration = ServiceGroupConfiguration(
            services: parts.map {
                .init(
                    service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: $0.name)
            }, logger: logger)
        configuration.maximumGracefulShutdownDuration = Self.maximumShutdownDuration
        let group = ServiceGroup(configuration: configuration)
        let alreadyStopped = control.withLock { control in
            if !control.stopped { control.group = group }
            return control.stopped
        }
        if alreadyStopped {
            // stop() came in between and stopped the parts itself.
            return try await run()
        }
        do {
            try await withGracefulShutdownHandler {
                try await group.run()
            } onGracefulShutdown: { [logger] in
                logger.info("portlease stopping: finishing queued work and committing")
            }
        } catch {
            release()
            throw error
        }
        release()
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
        poolWatch?.update(configuration.pools)
    }

    /// Stops receiving; workers finish what is queued and commit. Thread-safe, idempotent.
    /// Under ``run()`` this is the group's graceful shutdown; otherwise call ``wait()``.
    public func stop() {
        let group = control.withLock { control -> ServiceGroup?? in
            guard !control.stopped else { return nil }
            control.stopped = true
            return .some(control.group)
        }
        guard let group else { return }
        if let group {
            Task { await group.triggerGracefulShutdown() }
            return
        }
        logger.info("portlease stopping: finishing queued work and committing")
        // Receiving stops first; the workers are stopped by wait() once it has.
        for part in parts.dropFirst(workers.count) { part.stop() }
    }

    /// Without ``run()``: blocks until every thread has finished after ``stop()`` (the
    /// workers after the receive loop, so what it queued is handled), then closes sockets
    /// and logs.
    public func wait() {
        parts.last?.waitUntilEnded()
        for part in parts.prefix(workers.count) { part.stop() }
        finished.wait()
        release()
    }

    /// Once every thread has ended: frees the ports and closes the logs.
    private func release() {
        guard finished.wait(timeout: .now() + .milliseconds(100)) == .success else {
            logger.warning("portlease stopped waiting for its threads; sockets and logs stay open until exit")
            return
        }
        // The loop holds the sockets in its ring: release it (the parts' closures and the group
        // hold it too) so the ports are free at once.
        parts = []
        control.withLock { $0.group = nil }
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
