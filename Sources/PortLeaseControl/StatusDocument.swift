import LeaseEngine
import PortLeaseServer

/// The body of `GET /v1/status` (`Docs/openapi.json`, schema `Status`): what an operator asks
/// first of a running server. Read from the numbers each shard worker publishes after every
/// batch (atomic loads, no lock the packet path takes), so asking costs the data plane nothing.
public struct StatusDocument: Codable, Sendable, Equatable {
    /// One shard worker.
    public struct Shard: Codable, Sendable, Equatable {
        public var shard: Int
        /// Queries waiting now, per lane: REQUESTs, renewals and other continuing work, and DISCOVERs.
        public var queueContinuing: Int
        public var queueStarting: Int
        /// Group commits so far, their average latency, and the lease records they made durable.
        public var commits: Int
        public var commitLatencyAverageMicroseconds: Int
        public var recordsCommitted: Int
        public var commitFailures: Int
        /// True while the shard's log cannot write for lack of space (ACKs are withheld).
        public var diskFull: Bool
        public var offers: Int
        public var acks: Int
        public var naks: Int
        public var releases: Int
    }

    /// A pool group of a hot-standby pair (`Docs/Redundancy.md`).
    public struct RedundancyGroup: Codable, Sendable, Equatable {
        public var group: String
        /// The other instance of the pair.
        public var partner: String
        /// `starting`, `active`, `standby`, `partner-down` or `yielded`.
        public var state: String
        /// When the group entered that state (ISO 8601, UTC).
        public var since: String
        /// Whether the replication link to the partner is up.
        public var partnerConnected: Bool
        /// On the group's active: the records its standby has not acknowledged yet (the
        /// catch-up's progress). Absent elsewhere.
        public var standbyBehindRecords: UInt64?
        /// On the group's standby: the active's wall clock minus this one's at its last
        /// heartbeat, in milliseconds. Absent before the first heartbeat, and on the active.
        public var clockSkewMilliseconds: Int64?
        /// On the group's standby: whether it has caught up with its active since it last
        /// connected (only then may it take the group over). Absent on the active.
        public var caughtUp: Bool?

        public init(
            group: String, partner: String, state: String, since: String, partnerConnected: Bool,
            standbyBehindRecords: UInt64? = nil, clockSkewMilliseconds: Int64? = nil, caughtUp: Bool? = nil
        ) {
            self.caughtUp = caughtUp
            self.standbyBehindRecords = standbyBehindRecords
            self.clockSkewMilliseconds = clockSkewMilliseconds
            self.group = group
            self.partner = partner
            self.state = state
            self.since = since
            self.partnerConnected = partnerConnected
        }
    }

    /// The server's version (`Server.version`).
    public var version: String
    /// Seconds since the server started answering.
    public var uptimeSeconds: Int
    /// Shard workers (the `workers` setting).
    public var workers: Int
    /// The lease-log directory, as configured.
    public var leaseLogDirectory: String
    /// Group commits wait for `fdatasync` (`fsync`) or not (`none`).
    public var durability: String
    /// Log compaction passes so far (0 when compaction is turned off).
    public var compactions: Int
    public var shards: [Shard]
    /// The pool groups of the `"redundancy"` section; absent without one.
    public var redundancy: [RedundancyGroup]?

    /// The status of `server`, started `uptimeSeconds` ago, with its pool groups' states.
    public init(server: Server, uptimeSeconds: Int, redundancy: [RedundancyGroup]? = nil) {
        self.redundancy = redundancy
        version = Server.version
        self.uptimeSeconds = uptimeSeconds
        workers = server.workers.count
        leaseLogDirectory = server.settings.leaseLogDirectory
        durability = server.settings.leaseLogOptions.durability == .fsync ? "fsync" : "none"
        compactions = server.maintenance?.statistics.reduce(0) { $0 + $1.compactions } ?? 0
        shards = server.workers.map { worker in
            let statistics = worker.statistics
            let commits = statistics.commits
            return Shard(
                shard: worker.shard, queueContinuing: worker.queue.depth(.continuing),
                queueStarting: worker.queue.depth(.starting), commits: commits,
                commitLatencyAverageMicroseconds: commits == 0
                    ? 0 : statistics[.commitMicrosecondsTotal] / commits,
                recordsCommitted: statistics[.recordsCommitted], commitFailures: statistics[.commitFailures],
                diskFull: statistics[.diskFull] != 0, offers: statistics.offers, acks: statistics.acks,
                naks: statistics.naks, releases: statistics.releases)
        }
    }
}
