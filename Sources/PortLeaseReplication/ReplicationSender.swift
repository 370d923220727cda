import LeaseEngine
import LeaseLog
import Logging
import NIOCore
import NIOSSL
import PortLeaseConfiguration
import PortLeaseControlPlane
import PortLeaseServer
import PortLeaseSystem
import ServiceLifecycle
import Synchronization

/// The active's side of replication, as a `Service`: for each standby partner, connects,
/// names the groups it replicates, and streams from the position the standby answers every
/// committed record of those groups' pools, read from the shards' logs (`LogTail`) after
/// their commit, so nothing a failed commit could take back ever leaves. Heartbeats keep the
/// standby from taking over while there is nothing to send.
///
/// A lost link is retried every heartbeat interval. A standby that answers `refuse` because
/// it took the groups over leaves them `yielded` here: not served, so two instances never
/// answer for one pool.
public final class ReplicationSender: Service, Sendable {
    let configuration: ServerConfiguration.Redundancy
    let server: Server
    let status: RedundancyStatus
    let leaseLogDirectory: String
    let tls: NIOSSLContext
    let logger: Logger
    /// What each standby has acknowledged: compaction's limit.
    let acknowledged: StandbyAcknowledgements
    /// Where replies wait for the standbys' acknowledgements (synchronous mode); nil: asynchronous.
    let gate: PartnerGate?
    /// Operators' failback requests, sent on the links to the standbys.
    let failbacks: FailbackDesk

    /// Prepares the client's TLS.
    public init(
        configuration: ServerConfiguration.Redundancy, server: Server, status: RedundancyStatus,
        leaseLogDirectory: String, acknowledged: StandbyAcknowledgements, gate: PartnerGate?,
        failbacks: FailbackDesk, logger: Logger
    ) throws {
        self.gate = gate
        self.failbacks = failbacks

        self.configuration = configuration
        self.server = server
        self.status = status
        self.leaseLogDirectory = leaseLogDirectory
        self.logger = logger
        tls = try ReplicationLink.tlsContext(configuration.tls, server: false)
        self.acknowledged = acknowledged
        let standbys = Self.standbys(of: configuration)
        status.setLagSource { [acknowledged, server] in
            let committed = (0..<server.workers.count).map { server.committedSequence(shard: $0) }
            return Dictionary(
                uniqueKeysWithValues: standbys.map { standby in
                    (
                        standby,
                        committed.enumerated().reduce(UInt64(0)) { sum, shard in
                            let position = acknowledged.position(standby, shard.offset)
                            return sum + (shard.element > position ? shard.element - position : 0)
                        }
                    )
                })
        }
    }

    /// The partners that are the standby of a group this instance is active for.
    var standbys: [String] { Self.standbys(of: configuration) }

    /// The partners that are the standby of a group `configuration`'s instance is active for.
    public static func standbys(of configuration: ServerConfiguration.Redundancy) -> [String] {
        Array(Set(configuration.activeGroups.map(\.standby))).sorted()
    }

    /// Streams to every standby until graceful shutdown, which cancels the connections: what
    /// a standby has not acknowledged it gets again after the restart.
    ///
    /// Its tasks run on the control plane's event loop, where the link's connections are:
    /// on the cooperative pool every frame crossed two more threads (event loop to task and
    /// back), which cost synchronous mode a tenth of its rate (ARCHITECTURE.md, "Synchronous
    /// replication's round trip").
    public func run() async throws {
        try await withTaskExecutorPreference(ControlPlane.taskExecutor) { try await self.runOnControlPlane() }
    }

    /// ``run()``'s body, on the control plane's event loop.
    private func runOnControlPlane() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingDiscardingTaskGroup { group in
                    for standby in self.standbys {
                        guard let partner = self.configuration.partner(named: standby) else { continue }
                        group.addTask { try await self.serve(partner) }
                    }
                    // Heartbeats are due even with no commit to wake the streams.
                    group.addTask {
                        let tick = max(50, self.configuration.heartbeatMilliseconds / 4)
                        while true {
                            try await Task.sleep(for: .milliseconds(tick))
                            self.server.commits.wake()
                        }
                    }
                    // A standby that answers nobody within the takeover time is presumed gone: serve alone.
                    group.addTask {
                        try await Task.sleep(for: .milliseconds(self.configuration.takeoverAfterMilliseconds))
                        for group in self.configuration.activeGroups
                        where self.status.state(of: group.name) == .starting {
                            self.activate(group, because: "no standby answered within takeover-after")
                        }
                    }
                }
            }
        } catch  where error is CancellationError || Task.isShuttingDownGracefully {
            // Graceful shutdown cancelled the connections: a normal end.
        }
    }

    /// Keeps `partner` following, reconnecting until the service stops.
    private func serve(_ partner: ServerConfiguration.Redundancy.Partner) async throws {
        let groups = configuration.activeGroups.filter { $0.standby == partner.name }
        let interval = Int64(configuration.heartbeatMilliseconds)
        while !Task.isCancelled {
            do {
                let connection = try await ReplicationLink.connect(
                    host: partner.host, port: Int(partner.port), tls: tls, timeoutMilliseconds: max(interval, 1000),
                    tap: acknowledgementTap(partner.name))
                status.setConnected(partner.name, true)
                acknowledged.setConnected(partner.name, true)
                status.add(.connections)
                do {
                    try await stream(to: connection, partner: partner.name, groups: groups)
                } catch  where !(error is CancellationError) {
                    // A link that was up is news; one that cannot be made is retried quietly.
                    logger.warning(
                        "replication link to the standby lost",
                        metadata: ["partner": "\(partner.name)", "reason": "\(error)"])
                    throw error
                }
            } catch is CancellationError {
                return
            } catch {
                status.add(.linkFailures)
                logger.debug("replication link down", metadata: ["partner": "\(partner.name)", "reason": "\(error)"])
            }
            status.setConnected(partner.name, false)
            acknowledged.setConnected(partner.name, false)
            try? await Task.sleep(for: .milliseconds(interval))
        }
    }

    /// One connection: hello, resume, then records and heartbeats until it fails.
    private func stream(
        to connection: ReplicationLink.Connection, partner: String,
        groups: [ServerConfiguration.Redundancy.PoolGroup]
    ) async throws {
        let shards = server.workers.count
        try await connection.executeThenClose { inbound, outbound in
            try await outbound.write(
                .hello(instance: configuration.instance, groups: groups.map(\.name), shards: shards))
            // Read here for the answer to hello, then only by the task that reads acknowledgements.
            nonisolated(unsafe) var frames = inbound.makeAsyncIterator()
            var answer = try await frames.next()
            var taken: [String] = []
            if case .takenOver(let names) = answer {
                taken = names
                yield(groups.filter { names.contains($0.name) }, to: partner)
                answer = try await frames.next()
            }
            switch answer {
            case .resume(let positions) where positions.count == shards:
                for group in groups where !taken.contains(group.name) {
                    activate(group, because: "its standby follows")
                }
                acknowledged.reset(partner, to: positions)
                logger.info("replicating", metadata: ["partner": "\(partner)", "from": "\(positions)"])
                let pools = membership(groups)
                // Where the standby's records were folded into a snapshot, it gets that first.
                var after = positions
                for shard in 0..<shards {
                    after[shard] = try await sendSnapshotIfBehind(
                        shard, position: positions[shard], pools: pools, to: outbound, partner: partner)
                }
                let starts = after
                defer { setGating(partner, false) }
                failbacks.connected(partner, outbound) { [server] in
                    (0..<shards).map { server.committedSequence(shard: $0) }
                }
                defer { failbacks.disconnected(partner) }
                // Caught up once it has what was committed when it connected: from then on (in
                // synchronous mode) replies wait for its acknowledgement.
                let target = (0..<shards).map { server.committedSequence(shard: $0) }
                let progress = AckProgress()
                let upToDate = (0..<shards).allSatisfy { positions[$0] >= target[$0] }
                if upToDate {
                    try await outbound.write(.caughtUp)
                    setGating(partner, true)
                }
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask {
                        var caughtUp = upToDate
                        var inbox = HandBack(shards: shards)
                        while let frame = try await frames.next() {
                            if case .takenOver(let taken) = frame {
                                self.yield(groups.filter { taken.contains($0.name) }, to: partner)
                                continue
                            }
                            if try await self.takeFailbackFrame(
                                frame, from: partner, groups: groups, outbound: outbound, inbox: &inbox)
                            {
                                continue
                            }
                            // The tap recorded it and moved the gate as the event loop read it.
                            guard case .ack(let shard, _) = frame, shard < shards else {
                                throw ReplicationLink.Failure("unexpected frame \(frame) from \(partner)")
                            }
                            progress.acknowledged()
                            if !caughtUp,
                                (0..<shards).allSatisfy({ self.acknowledged.position(partner, $0) >= target[$0] })
                            {
                                caughtUp = true
                                self.logger.info("standby caught up", metadata: ["partner": "\(partner)"])
                                try await outbound.write(.caughtUp)
                                self.setGating(partner, true)
                            }
                        }
                        throw ReplicationLink.Failure("\(partner) closed the connection")
                    }
                    if gate != nil {
                        tasks.addTask {
                            try await self.watchAcknowledgements(partner, progress: progress, shards: shards)
                        }
                    }
                    tasks.addTask { try await self.send(to: outbound, partner: partner, pools: pools, from: starts) }
                    if let after = configuration.failbackAfterMilliseconds {
                        tasks.addTask { try await self.failBackByItself(groups, after: after) }
                    }
                    try await tasks.next()
                    tasks.cancelAll()
                }
            case .refuse(let reason):
                throw ReplicationLink.Failure("refused: \(reason)")
            default:
                throw ReplicationLink.Failure("\(partner) answered hello with neither resume nor refuse")
            }
        }
    }

    /// What the event loop does with an acknowledgement from `partner`, as it reads it: records
    /// it and (synchronous mode) moves the gate, so the workers send the ACKs it covers without
    /// waiting for the connection's task (``FrameTap``). The task sees the frame too, for the
    /// catch-up and the watch over acknowledgements.
    private func acknowledgementTap(_ partner: String) -> FrameTap.Body {
        let (acknowledged, gate, shards) = (acknowledged, gate, server.workers.count)
        return { frame in
            guard case .ack(let shard, let through) = frame, shard < shards else { return }
            acknowledged.acknowledge(partner, shard: shard, through: through)
            if let gate { acknowledged.updateGate(gate, shard: shard) }
        }
    }

    /// Serves `group` (from `starting` or `yielded`): its standby follows, or none answered in time.
    func activate(_ group: ServerConfiguration.Redundancy.PoolGroup, because reason: String) {
        guard let old = status.state(of: group.name), old == .starting || old == .yielded else { return }
        status.enter(.active, for: group, on: server)
        logger.notice(
            "pool group served", metadata: ["group": "\(group.name)", "was": "\(old.rawValue)", "reason": "\(reason)"])
    }

    /// Stops serving `groups`, which their standby `partner` took over while this instance
    /// was silent or cut off.
    private func yield(_ groups: [ServerConfiguration.Redundancy.PoolGroup], to partner: String) {
        for group in groups where status.state(of: group.name) != .yielded {
            status.enter(.yielded, for: group, on: server)
            logger.critical(
                "pool group not served: the standby took it over",
                metadata: [
                    "group": "\(group.name)", "standby": "\(partner)",
                    "reason": "it serves the group since a takeover; fail it back with portlease failback",
                ])
        }
    }

    /// In synchronous mode, makes replies wait for `partner` (it has caught up) or no longer
    /// (its link is down), and moves every shard's gate to what the gating standbys allow.
    private func setGating(_ partner: String, _ gates: Bool) {
        guard let gate else { return }
        acknowledged.setGating(partner, gates)
        for shard in 0..<server.workers.count { acknowledged.updateGate(gate, shard: shard) }
    }

    /// Ends the connection when a standby that replies wait for leaves records unacknowledged
    /// for two heartbeat intervals: a slow or hung standby must not stop this server answering.
    private func watchAcknowledgements(_ partner: String, progress: AckProgress, shards: Int) async throws {
        let limit = UInt64(2 * configuration.heartbeatMilliseconds) * 1_000_000
        while true {
            try await Task.sleep(for: .milliseconds(100))
            let behind = (0..<shards).contains {
                acknowledged.position(partner, $0) < server.committedSequence(shard: $0)
            }
            if !behind { progress.acknowledged() }
            let (now, last) = (SystemClock.monotonicNanoseconds(), progress.last)
            if behind && now > last && now - last >= limit {
                throw ReplicationLink.Failure(
                    "\(partner) acknowledged nothing for \(limit / 1_000_000) ms: ACKs no longer wait for it")
            }
        }
    }

    /// The addresses of `groups`' pools and their reserves: what their standby follows.
    private func membership(_ groups: [ServerConfiguration.Redundancy.PoolGroup]) -> PoolMembership {
        PoolMembership(pools: Set(groups.flatMap { $0.pools + $0.standbyPools }), engine: server.workers[0].engine)
    }

    /// Streams each shard's committed records of `pools` from `positions` on.
    private func send(
        to outbound: NIOAsyncChannelOutboundWriter<ReplicationFrame>, partner: String, pools: PoolMembership,
        from positions: [UInt64]
    ) async throws {
        let tails = positions.enumerated().map { shard, position in
            LogTail(directory: ShardLogs.directory(leaseLogDirectory, shard: shard), after: position)
        }
        let encoder = RecordBytes()
        // Commits ring the loop's doorbell, whose answer wakes this task (on the loop): a
        // worker resuming it itself would allocate on the worker's thread.
        let woken = CommitSignal()
        let doorbell = try await EventLoopDoorbell(on: ControlPlane.taskExecutor.eventLoop) { woken.wake() }
        let ringer = server.commits.addRinger(doorbell.ring)
        defer {
            server.commits.removeRinger(ringer)
            doorbell.close()
        }
        let heartbeat = UInt64(configuration.heartbeatMilliseconds) * 1_000_000
        var lastSent = SystemClock.monotonicNanoseconds()
        var sentThrough = positions
        while !Task.isCancelled {
            // Taken before looking: a commit after it ends the wait below at once.
            let seen = woken.generation
            var sentAny = false
            // While a failback waits for the standby to have everything committed, every
            // position goes to it at once, also in asynchronous mode.
            let every: UInt64 = gate == nil && failbacks.pending(partner) == nil ? 4096 : 1
            for (shard, tail) in tails.enumerated() {
                let committed = server.committedSequence(shard: shard)
                if tail.position < committed {
                    try tail.read(through: committed, limit: 256) { record, _ in
                        if pools.contains(record.address) { try? encoder.append(record) }
                    }
                }
                // A frame even with no record of these groups: the standby's position moves on,
                // and (synchronous) its acknowledgement lets the replies of other pools go.
                if encoder.recordCount > 0 || tail.position - sentThrough[shard] >= every {
                    let count = encoder.recordCount
                    try await outbound.write(.records(shard: shard, through: tail.position, bytes: encoder.take()))
                    sentThrough[shard] = tail.position
                    status.add(.recordsSent, count)
                    status.add(.framesSent)
                    sentAny = true
                }
            }
            let now = SystemClock.monotonicNanoseconds()
            if sentAny {
                lastSent = now
                // A write does not suspend while the link takes it: let the event loop read the
                // acknowledgements (and serve the control API) between passes.
                await Task.yield()
            } else if now - lastSent >= heartbeat {
                try await outbound.write(.heartbeat(time: SystemClock.wallClockMilliseconds()))
                status.add(.framesSent)
                lastSent = now
            } else {
                // Until the next commit of any shard, or the ticker (heartbeats), or cancellation.
                await woken.wait(after: seen)
            }
        }
    }
}

/// When a standby last acknowledged something (or had nothing left to acknowledge).
final class AckProgress: Sendable {
    private let time = Atomic<UInt64>(SystemClock.monotonicNanoseconds())
    var last: UInt64 { time.load(ordering: .relaxed) }
    func acknowledged() { time.store(SystemClock.monotonicNanoseconds(), ordering: .relaxed) }
}
