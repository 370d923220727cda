import PortLeaseSystem
import Synchronization

/// Where each pool group stands, and the replication link's numbers: written by the
/// replication services, read by the metrics endpoint and the logs from any thread.
///
/// The states (`Docs/Redundancy.md` draws their transitions):
/// - `starting`: the configured active, just started: it renews the leases it knows but
///   allocates nothing until its standby answers (and says it has not taken the group over),
///   or until `takeover-after` passes without an answer;
/// - `active`: this instance answers the group's clients and streams their records to the standby;
/// - `standby`: it follows the active's records and stays silent;
/// - `partner-down`: it was the standby, heard nothing from the active for `takeover-after`,
///   and answers the group's clients itself;
/// - `yielded`: it is the configured active, but the standby reported that it took over while
///   this instance was away, so it stays silent rather than answer with an old view of the
///   leases (until an operator fails the group back: `portlease failback`);
/// - `handing-back`: it took the group over, and is handing it back to its active on that
///   active's request: silent, while the active applies its leases.
public final class RedundancyStatus: Sendable {
    /// A pool group's state.
    public enum State: String, Sendable, CaseIterable {
        case starting, active, standby
        case partnerDown = "partner-down"
        case yielded
        case handingBack = "handing-back"
    }

    /// One group's numbers.
    public struct Group: Sendable {
        public var name: String
        public var partner: String
        public var state: State
        /// When the state last changed (wall clock, milliseconds).
        public var since: Int64

        public init(name: String, partner: String, state: State, since: Int64) {
            self.name = name
            self.partner = partner
            self.state = state
            self.since = since
        }
    }

    /// Counters of the link, over all partners.
    public enum Counter: Int, CaseIterable, Sendable {
        case recordsSent, recordsApplied, framesSent, connections, refusedPeers, takeovers, linkFailures
    }

    private let state: Mutex<(groups: [Group], counters: [Int], waiting: Int, connected: Set<String>)>

    /// Per partner followed: its wall clock minus this one's at its last heartbeat (ms).
    private let skews = Mutex<[String: Int64]>([:])
    /// Per standby (on its active): the records of its groups' shards it has not acknowledged.
    private let lag = Mutex<(@Sendable () -> [String: UInt64])?>(nil)

    /// `groups` in their configured states.
    public init(groups: [Group]) {
        state = Mutex((groups, Array(repeating: 0, count: Counter.allCases.count), 0, []))
    }

    /// Records `partner`'s clock against this one's (a heartbeat's time minus now); returns
    /// whether it is further off than ``clockSkewWarning`` while it was not before.
    func setClockSkew(_ partner: String, milliseconds: Int64) -> Bool {
        skews.withLock { skews in
            let before = skews[partner].map { abs($0) > Self.clockSkewWarning } ?? false
            skews[partner] = milliseconds
            return abs(milliseconds) > Self.clockSkewWarning && !before
        }
    }

    /// How far apart partners' clocks may be before it is logged: lease times in records are
    /// the active's wall clock, which the standby uses as its own once it takes over.
    static let clockSkewWarning: Int64 = 10_000

    /// The records `standby` has not acknowledged yet, when this instance is its active.
    public func behind(_ standby: String) -> UInt64? {
        lag.withLock { $0 }?()[standby]
    }

    /// `partner`'s wall clock minus this one's at its last heartbeat (ms), once one came.
    public func clockSkew(_ partner: String) -> Int64? {
        skews.withLock { $0[partner] }
    }

    /// Where the metrics read how far behind each standby is (set by the active's sender).
    func setLagSource(_ source: @escaping @Sendable () -> [String: UInt64]) {
        lag.withLock { $0 = source }
    }

    /// Every group, as now.
    public var groups: [Group] { state.withLock { $0.groups } }

    /// The state of group `name`.
    public func state(of name: String) -> State? {
        state.withLock { $0.groups.first { $0.name == name }?.state }
    }

    /// Sets group `name`'s state; returns the previous one.
    @discardableResult
    public func set(_ name: String, _ new: State) -> State? {
        state.withLock { state in
            guard let index = state.groups.firstIndex(where: { $0.name == name }) else { return nil }
            let old = state.groups[index].state
            if old != new {
                state.groups[index].state = new
                state.groups[index].since = SystemClock.wallClockMilliseconds()
            }
            return old
        }
    }

    public func add(_ counter: Counter, _ amount: Int = 1) {
        state.withLock { $0.counters[counter.rawValue] += amount }
    }

    public func value(_ counter: Counter) -> Int {
        state.withLock { $0.counters[counter.rawValue] }
    }

    /// Records a standby holds back, waiting for another shard's change.
    public var waiting: Int { state.withLock { $0.waiting } }

    /// Sets ``waiting``.
    public func setWaiting(_ count: Int) {
        state.withLock { $0.waiting = count }
    }

    /// Whether the link to `partner` is up now.
    public func isConnected(_ partner: String) -> Bool {
        state.withLock { $0.connected.contains(partner) }
    }

    /// Sets ``isConnected(_:)``.
    public func setConnected(_ partner: String, _ connected: Bool) {
        state.withLock { state in
            if connected { state.connected.insert(partner) } else { state.connected.remove(partner) }
        }
    }

    /// The metrics in Prometheus text format.
    public func render() -> String {
        let (groups, counters, waiting, connected) = state.withLock {
            ($0.groups, $0.counters, $0.waiting, $0.connected)
        }
        var out = "# HELP portlease_redundancy_state 1 for each pool group's current state.\n"
        out += "# TYPE portlease_redundancy_state gauge\n"
        for group in groups {
            for state in State.allCases {
                out += "portlease_redundancy_state{group=\"\(group.name)\",state=\"\(state.rawValue)\"} "
                out += "\(group.state == state ? 1 : 0)\n"
            }
        }
        out += "# HELP portlease_redundancy_partner_connected 1 while the replication link to the partner is up.\n"
        out += "# TYPE portlease_redundancy_partner_connected gauge\n"
        for partner in Set(groups.map(\.partner)).sorted() {
            out +=
                "portlease_redundancy_partner_connected{partner=\"\(partner)\"} \(connected.contains(partner) ? 1 : 0)\n"
        }
        let families: [(Counter, String, String)] = [
            (.recordsSent, "portlease_replication_records_sent_total", "Lease records streamed to standbys."),
            (.recordsApplied, "portlease_replication_records_applied_total", "Partners' records applied and logged."),
            (.framesSent, "portlease_replication_frames_sent_total", "Replication frames sent."),
            (.connections, "portlease_replication_connections_total", "Replication connections established."),
            (
                .refusedPeers, "portlease_replication_refused_total",
                "Connections refused: failed TLS, a malformed frame, or a hello that does not match."
            ),
            (.takeovers, "portlease_redundancy_takeovers_total", "Pool groups taken over from a silent active."),
            (.linkFailures, "portlease_replication_link_failures_total", "Replication connections lost or not made."),
        ]
        for (counter, name, help) in families {
            out += "# HELP \(name) \(help)\n# TYPE \(name) counter\n\(name) \(counters[counter.rawValue])\n"
        }
        out += "# HELP portlease_replication_waiting_records Partner records waiting for another shard's change.\n"
        out += "# TYPE portlease_replication_waiting_records gauge\nportlease_replication_waiting_records \(waiting)\n"
        if let behind = lag.withLock({ $0 })?() {
            out += "# HELP portlease_replication_standby_behind_records Records (of every kind) the standby has not "
            out +=
                "acknowledged yet: its catch-up progress.\n# TYPE portlease_replication_standby_behind_records gauge\n"
            for (partner, records) in behind.sorted(by: { $0.key < $1.key }) {
                out += "portlease_replication_standby_behind_records{partner=\"\(partner)\"} \(records)\n"
            }
        }
        let clocks = skews.withLock { $0 }
        if !clocks.isEmpty {
            out += "# HELP portlease_replication_clock_skew_milliseconds The active's wall clock minus this "
            out += "standby's, at its last heartbeat.\n# TYPE portlease_replication_clock_skew_milliseconds gauge\n"
            for (partner, skew) in clocks.sorted(by: { $0.key < $1.key }) {
                out += "portlease_replication_clock_skew_milliseconds{partner=\"\(partner)\"} \(skew)\n"
            }
        }
        return out
    }
}
