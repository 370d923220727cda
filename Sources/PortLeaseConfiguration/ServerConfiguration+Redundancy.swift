/// The `"redundancy"` section: hot-standby partners, and which instance serves each group of
/// pools. Absent: this instance serves every pool alone, as before.
extension ServerConfiguration {
    /// `"redundancy"`: this instance's name, its partners, and its pool groups.
    ///
    /// A pool group is served by one instance at a time (its active), which replicates the
    /// group's leases to one other (its standby); the standby takes the group over when it stops
    /// hearing the active. Each instance's file lists only the groups it is active or standby
    /// for, and a pool is in at most one group: two groups could make a pool active on two
    /// instances at once, which would lease its addresses twice.
    public struct Redundancy: Sendable, Equatable {
        /// A TCP address. Partners are named by address, not host name, so that who is reached
        /// does not depend on DNS while a failover is under way.
        public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
            /// An IPv4 or IPv6 address in text form, without brackets.
            public var host: String
            /// TCP port; 0 lets the kernel choose (tests; only for ``Redundancy/listen``).
            public var port: UInt16

            /// Validates nothing (as every memberwise initialiser here): for tests and tools.
            public init(host: String, port: UInt16) {
                self.host = host
                self.port = port
            }

            /// `host:port`, with an IPv6 host in brackets: the form the file uses.
            public var description: String {
                host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            }
        }

        /// Another instance this one replicates to or follows (`"partners"`).
        public struct Partner: Sendable, Equatable {
            /// The partner's own `"instance"`: how groups name it, and what its certificate is for.
            public var name: String
            /// The address the partner's `"listen"` accepts replication on.
            public var host: String
            /// Never 0 in a parsed configuration: a partner is connected to, so its port must be known.
            public var port: UInt16

            /// Validates nothing: for tests and tools.
            public init(name: String, host: String, port: UInt16) {
                self.name = name
                self.host = host
                self.port = port
            }

            /// ``host`` and ``port`` together, for connecting and for log lines.
            public var address: Endpoint { Endpoint(host: host, port: port) }
        }

        /// Pools that fail over together (`"pool-groups"`): one replication stream and one
        /// takeover decision per group, so an instance can be active for some groups and the
        /// standby of others (load shared between two machines, each backing up the other).
        public struct PoolGroup: Sendable, Equatable {
            /// The same in both partners' files: how replication and status tell the groups apart.
            public var name: String
            /// Indices into the configuration's pools (`engine.pools`, the file's order), ascending:
            /// what `ServedPools` and the engine count pools by.
            public var pools: [Int]
            /// The standby's reserve (`"standby-pools"`), ascending: pools the active never
            /// allocates from (it answers renewals there), and the only ones a standby that took
            /// the group over allocates from, while the group's `pools` it only renews. Two
            /// partners that cannot tell a dead partner from a broken link, both answering, then
            /// never hand out one port set twice (`Docs/Redundancy.md`, "Split network").
            public var standbyPools: [Int] = []
            /// The instance serving the group while both are up: ``Redundancy/instance`` or a partner's name.
            public var active: String
            /// The instance that takes the group over: the other of the two.
            public var standby: String

            /// Validates nothing: for tests and tools.
            public init(name: String, pools: [Int], standbyPools: [Int] = [], active: String, standby: String) {
                self.name = name
                self.pools = pools
                self.standbyPools = standbyPools
                self.active = active
                self.standby = standby
            }
        }

        /// Mutual TLS between partners (PEM files, read at start-up): replication carries every
        /// lease, and a forged partner could take pools over, so both ends must prove who they are.
        public struct TLS: Sendable, Equatable {
            /// This instance's certificate, presented to partners in both directions.
            public var certificateFile: String
            /// The private key of ``certificateFile``.
            public var keyFile: String
            /// The CA a partner's certificate must be signed by to be accepted.
            public var caFile: String

            /// Validates nothing (the files are read at start-up): for tests and tools.
            public init(certificateFile: String, keyFile: String, caFile: String) {
                self.certificateFile = certificateFile
                self.keyFile = keyFile
                self.caFile = caFile
            }
        }

        /// This instance's name (1 to 64 letters, digits, `.`, `_`, `-`): what partners' files call it.
        public var instance: String
        /// Where partners connect to replicate to this instance; nil: nowhere, allowed only while
        /// this instance is the standby of no group (no active needs to reach it).
        public var listen: Endpoint?
        /// How partners prove who they are, to this instance and to each other.
        public var tls: TLS
        /// How long a standby goes without hearing the active before it takes the group over.
        public var takeoverAfterMilliseconds: Int
        /// `"mode": "synchronous"` (the default): an ACK leaves only once its record is durable
        /// on the standby too, while the link is up. `"asynchronous"`: the standby follows as
        /// fast as it can, and the last milliseconds of leases may be lost with the active.
        public var synchronous: Bool = true
        /// How often an active tells its standby it is alive (at most half the takeover time, so
        /// one lost heartbeat never causes a takeover).
        public var heartbeatMilliseconds: Int
        /// Every pool must be in a group: for sites where a pool without a standby is a mistake.
        public var requireStandby: Bool
        /// How long a standby that is away (not connected) keeps its active from compacting
        /// what it has not acknowledged (`"standby-log-hold"`, seconds, default 3600). Past
        /// it the active compacts as if it had no standby, so a standby gone for good cannot
        /// fill the disk; one that comes back later catches up from the snapshot instead.
        public var standbyLogHoldMilliseconds: Int = 3_600_000
        /// `"unanswered-secs"`: when set, a standby takes a group over only when, besides its
        /// active's silence, it saw a client going unanswered within `takeover-after`: a query
        /// for a pool it is the standby of whose DHCPv4 `secs` is at least this. Silence alone
        /// cannot tell a dead active from a broken link between the partners; a client that
        /// keeps trying with nobody answering can. Nil (the default): silence alone.
        public var unansweredSecs: Int?
        /// `"failback-after"` (seconds): when set, a configured active whose standby took a group
        /// over fails it back by itself (as `portlease failback` does) once its link to that standby
        /// has been up this long, and again as often while the group stays yielded. Nil (the
        /// default): an operator runs the command, having checked that the old active is fit.
        public var failbackAfterMilliseconds: Int?
        /// The other instances, in the file's order; never one named ``instance``.
        public var partners: [Partner]
        /// Only the groups this instance is active or standby for, in the file's order; no pool is
        /// in two of them.
        public var poolGroups: [PoolGroup]

        /// Validates nothing; the defaults are the file's (10 s takeover, 1 s heartbeats).
        public init(
            instance: String, listen: Endpoint?, tls: TLS, takeoverAfterMilliseconds: Int = 10_000,
            heartbeatMilliseconds: Int = 1000, requireStandby: Bool = false, partners: [Partner],
            poolGroups: [PoolGroup]
        ) {
            self.instance = instance
            self.listen = listen
            self.tls = tls
            self.takeoverAfterMilliseconds = takeoverAfterMilliseconds
            self.heartbeatMilliseconds = heartbeatMilliseconds
            self.requireStandby = requireStandby
            self.partners = partners
            self.poolGroups = poolGroups
        }

        /// The partner called `name`; nil for this instance's own name or an unknown one.
        public func partner(named name: String) -> Partner? {
            partners.first { $0.name == name }
        }

        /// The groups this instance serves while both ends are up (it replicates them to their standby).
        public var activeGroups: [PoolGroup] { poolGroups.filter { $0.active == instance } }

        /// The groups this instance follows, ready to take them over (it does not answer for their pools).
        public var standbyGroups: [PoolGroup] { poolGroups.filter { $0.standby == instance } }
    }
}
