import LeaseEngine
import LeaseLog
import Logging
import NIOCore
import NIOSSL
import PortLeaseConfiguration
import PortLeaseControlPlane
import PortLeaseServer
import PortLeaseSystem
import PortLeaseWire
import ServiceLifecycle
import Synchronization

/// The standby's side of replication, as a `Service`: listens for its actives, applies and
/// logs their records, acknowledges them once durable, and takes a group over when its
/// active has been silent for `takeover-after`.
///
/// A group it is the standby of starts silent (`standby`): its pools are not served. Only
/// `hello` from the group's configured active, over mutual TLS, naming exactly the groups
/// that partner is active for here and the same number of shards, is followed; anything else
/// is refused and counted. After a takeover (`partner-down`) the returning active is told so
/// (`takenOver`): it stays silent for the group (`yielded`) instead of answering from old
/// leases, and streams on, so this instance learns the leases it granted while the two could
/// not talk (their port sets never overlap: `PoolGroupRoles.swift`).
public final class ReplicationReceiver: Service, Sendable {
    let configuration: ServerConfiguration.Redundancy
    let server: Server
    let status: RedundancyStatus
    let positions: ReplicationPositions
    let tls: NIOSSLContext
    let logger: Logger
    let appliers: [ReplicaApplier]
    let lastHeard: LastHeard
    /// Groups being failed back to their active: silent here until it serves them.
    let handingBack = HandingBack()
    /// The groups whose old active's grants are stale copies (a failback given up).
    let staleGrants: StaleGrants

    /// Prepares the listener's TLS and reads the positions kept beside the lease log.
    public init(
        configuration: ServerConfiguration.Redundancy, server: Server, status: RedundancyStatus,
        positions: ReplicationPositions, logger: Logger
    ) throws {
        self.configuration = configuration
        self.server = server
        self.status = status
        self.positions = positions
        self.logger = logger
        tls = try ReplicationLink.tlsContext(configuration.tls, server: true)
        appliers = server.workers.map { ReplicaApplier(shard: $0.shard, worker: $0) }
        if let secs = configuration.unansweredSecs {
            server.workers.first?.engine.served.watchUnansweredClients(secs: secs)
        }
        lastHeard = LastHeard(partners: configuration.partners.map(\.name))
        staleGrants = StaleGrants(engine: server.workers[0].engine)
        // Leases handed over in a failback that did not end well: the old active's records there are stale.
        let abandoned = positions.handedBack(positions.takenOver(configuration.standbyGroups.map(\.name)))
        for group in configuration.standbyGroups where abandoned.contains(group.name) { staleGrants.add(group) }
    }

    /// The groups `partner` is active for and this instance the standby of.
    func groups(followedFrom partner: String) -> [ServerConfiguration.Redundancy.PoolGroup] {
        configuration.standbyGroups.filter { $0.active == partner }
    }

    /// Listens and follows until graceful shutdown, which cancels the connections; the
    /// positions reached are written before it returns.
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
        guard let listen = configuration.listen else { return }
        let listener = try await ReplicationLink.listen(host: listen.host, port: Int(listen.port), tls: tls)
        logger.info("replication listening", metadata: ["address": "\(listen.host):\(listen.port)"])
        defer { try? positions.flush() }
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingDiscardingTaskGroup { group in
                    group.addTask { try await self.watchForSilence() }
                    // The positions file is written with fdatasync: never on the event loop,
                    // where the acknowledgements and the control API wait behind it.
                    group.addTask(executorPreference: globalConcurrentExecutor) {
                        while true {
                            try await Task.sleep(for: .milliseconds(ReplicationPositions.writeIntervalMilliseconds))
                            try self.positions.flush()
                        }
                    }
                    try await listener.executeThenClose { inbound in
                        for try await connection in inbound {
                            group.addTask { await self.follow(connection) }
                        }
                    }
                }
            }
        } catch  where error is CancellationError || Task.isShuttingDownGracefully {
            // Graceful shutdown cancelled the connections: a normal end.
        }
    }

    /// Takes over each group whose active has been silent for `takeover-after`.
    private func watchForSilence() async throws {
        let takeover = Int64(configuration.takeoverAfterMilliseconds)
        let interval = min(250, takeover / 4)
        var lastTick = SystemClock.monotonicNanoseconds()
        // Groups whose active is silent while no client goes unanswered, or while this instance
        // has not caught up with it (logged once each time).
        var heldBack: Set<String> = []
        while !Task.isCancelled {
            try await Task.sleep(for: .milliseconds(interval))
            let now = SystemClock.monotonicNanoseconds()
            defer { lastTick = now }
            // This instance itself stood still (a paused VM, SIGSTOP, a stalled machine): the
            // silence it measured is its own, so the active gets the whole time again.
            if now - lastTick > UInt64(4 * interval) * 1_000_000 {
                logger.warning(
                    "this instance stood still: the takeover clock starts again",
                    metadata: ["stood-still-ms": "\((now - lastTick) / 1_000_000)"])
                lastHeard.restart()
                continue
            }
            // A failback whose active fell silent (a link that died without a word) is given up.
            for group in configuration.standbyGroups where status.state(of: group.name) == .handingBack {
                let heard = lastHeard.time(of: group.active)
                if heard < now && now - heard >= UInt64(takeover) * 1_000_000 {
                    abandonHandBack([group.name], from: group.active, because: "the active fell silent")
                }
            }
            for group in configuration.standbyGroups where status.state(of: group.name) == .standby {
                // Heard after `now` was read (another connection's frame): not silent at all.
                let heard = lastHeard.time(of: group.active)
                let silent = heard >= now ? 0 : Int64((now - heard) / 1_000_000)
                guard silent >= takeover else {
                    heldBack.remove(group.name)
                    continue
                }
                guard positions.isCaughtUp(with: group.active) else {
                    if heldBack.insert(group.name).inserted {
                        logger.warning(
                            "pool group not taken over: its active is silent, but this instance has not caught up with it",
                            metadata: ["group": "\(group.name)", "active": "\(group.active)", "silent-ms": "\(silent)"])
                    }
                    continue
                }
                if let secs = configuration.unansweredSecs, !clientsGoUnanswered(group, within: takeover) {
                    if heldBack.insert(group.name).inserted {
                        logger.warning(
                            "pool group not taken over: its active is silent, but no client goes unanswered (the link between the partners may be down while the active serves)",
                            metadata: [
                                "group": "\(group.name)", "active": "\(group.active)", "silent-ms": "\(silent)",
                                "unanswered-secs": "\(secs)",
                            ])
                    }
                    continue
                }
                heldBack.remove(group.name)
                // Durable before the first answer: a restart must not forget it serves the group.
                try positions.recordTakeover(group.name, time: SystemClock.wallClockMilliseconds())
                staleGrants.forget([group.name])
                status.enter(.partnerDown, for: group, on: server)
                status.add(.takeovers)
                logger.warning(
                    "pool group taken over: its active is silent",
                    metadata: ["group": "\(group.name)", "active": "\(group.active)", "silent-ms": "\(silent)"])
            }
        }
    }

    /// Whether a client of `group`'s pools went unanswered here (its `secs` at least
    /// `unanswered-secs`) in the last `milliseconds`.
    private func clientsGoUnanswered(_ group: ServerConfiguration.Redundancy.PoolGroup, within milliseconds: Int64)
        -> Bool
    {
        guard let served = server.workers.first?.engine.served else { return false }
        let last = served.lastUnansweredClient(in: group.pools)
        return last > 0 && SystemClock.wallClockMilliseconds() - last <= milliseconds
    }

    /// Follows one connection until it ends.
    private func follow(_ connection: ReplicationLink.Connection) async {
        var partner: String?
        do {
            try await connection.executeThenClose { inbound, outbound in
                var frames = inbound.makeAsyncIterator()
                guard case .hello(let instance, let named, let shards) = try await frames.next() else {
                    throw ReplicationLink.Failure("the first frame is not hello")
                }
                if let refusal = refusal(instance: instance, groups: named, shards: shards) {
                    try await outbound.write(.refuse(reason: refusal))
                    throw ReplicationLink.Failure(refusal)
                }
                partner = instance
                status.setConnected(instance, true)
                status.add(.connections)
                lastHeard.heard(instance)
                // Before resume: the active must not serve a group for a moment it should not.
                let taken = groups(followedFrom: instance).map(\.name).filter {
                    status.state(of: $0) == .partnerDown || status.state(of: $0) == .handingBack
                }
                if !taken.isEmpty { try await outbound.write(.takenOver(groups: taken)) }
                // Not caught up again until the active says so: the records it sends first may
                // be what this instance lacks. Written with fdatasync: off the event loop.
                try await withTaskExecutorPreference(globalConcurrentExecutor) {
                    try self.positions.setCaughtUp(with: instance, false)
                }
                try await outbound.write(.resume(positions: positions.positions(of: instance)))
                logger.info("following the active", metadata: ["partner": "\(instance)", "groups": "\(named)"])
                nonisolated(unsafe) let rest = frames
                try await follow(instance, frames: rest, outbound: outbound, channel: connection.channel)
            }
        } catch {
            if partner == nil { status.add(.refusedPeers) } else { status.add(.linkFailures) }
            logger.warning(
                "replication connection ended",
                metadata: ["partner": "\(partner ?? "unknown")", "reason": "\(error)"])
        }
        if let partner {
            status.setConnected(partner, false)
            abandonHandBack(
                groups(followedFrom: partner).map(\.name), from: partner, on: ObjectIdentifier(connection.channel),
                because: "the link to the active ended")
        }
    }

    /// The pools (with their reserves) of the groups followed from `partner` that this
    /// instance does not serve: a snapshot of them replaces what it holds. A group it took
    /// over is left out, since it granted leases there that the old active never knew.
    func resetPools(followedFrom partner: String) -> Set<Int> {
        Set(
            groups(followedFrom: partner).filter { status.state(of: $0.name) == .standby }
                .flatMap { $0.pools + $0.standbyPools })
    }

    /// Why `hello` is not followed, or nil.
    func refusal(instance: String, groups named: [String], shards: Int) -> String? {
        let expected = groups(followedFrom: instance).map(\.name)
        guard !expected.isEmpty else {
            return "\(configuration.instance) is the standby of no pool group whose active is \(instance)"
        }
        guard Set(named) == Set(expected) else {
            return
                "\(instance) replicates groups \(named.sorted()), but \(configuration.instance) follows it for \(expected.sorted()): the two configuration files disagree"
        }
        guard shards == server.workers.count else {
            return
                "\(instance) has \(shards) workers and \(configuration.instance) has \(server.workers.count): partners must have the same number"
        }
        return nil
    }
}

/// When each partner was last heard from (monotonic), shared by the connections and the watch.
final class LastHeard: Sendable {
    private let times: Mutex<[String: UInt64]>

    init(partners: [String]) {
        let now = SystemClock.monotonicNanoseconds()
        times = Mutex(Dictionary(uniqueKeysWithValues: partners.map { ($0, now) }))
    }

    func heard(_ partner: String) {
        times.withLock { $0[partner] = SystemClock.monotonicNanoseconds() }
    }

    /// Counts every partner as heard now.
    func restart() {
        let now = SystemClock.monotonicNanoseconds()
        times.withLock { times in for partner in times.keys { times[partner] = now } }
    }

    func time(of partner: String) -> UInt64 {
        times.withLock { $0[partner] ?? 0 }
    }
}
