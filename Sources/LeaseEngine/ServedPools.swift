import PortSetPool
import Synchronization

/// What this server does with each pool now: every pool served, unless it has hot-standby
/// partners (`Docs/Redundancy.md`).
///
/// A pool is in one of three roles:
/// - ``Role/serving``: its clients are answered and new leases are allocated from it;
/// - ``Role/renewing``: its clients are answered (renewals, a rebooting client's lease) but no
///   port set is allocated from it: the active's role for the standby's reserve, and a standby's
///   for the active's pools once it has taken them over without knowing the active is gone;
/// - ``Role/silent``: a standby following its active answers nothing about it, and changes
///   nothing (the active's records are applied instead).
///
/// The redundancy services change roles; the shard workers read them on every query that
/// touches a pool. The shards of one server share one. One relaxed load answers "is everything
/// served" (the common case, a server without partners); a pool's own bits are read only otherwise.
public final class ServedPools: Sendable {
    /// A pool's role.
    public enum Role: Sendable, Equatable {
        case serving, renewing, silent
    }

    /// The number of pools.
    public let count: Int
    /// One bit per pool, set while its clients are answered.
    private let answering: AtomicWords
    /// One bit per pool, set while new leases may be allocated from it.
    private let allocating: AtomicWords
    /// How many pools are not fully served: 0 on a server without partners.
    private let restricted = Atomic<Int>(0)
    /// The `secs` from which a query left unanswered for a silent pool counts as a client
    /// going unanswered (0: not watched).
    private let unansweredSecs = Atomic<Int>(0)
    /// Per pool: when (wall clock, milliseconds) such a query about it last came, 0 if never.
    private let lastUnanswered: AtomicWords

    /// Every one of `count` pools served.
    public init(count: Int) {
        self.count = count
        lastUnanswered = AtomicWords(count: count)
        let words = max(1, (count + 63) / 64)
        answering = AtomicWords(count: words)
        allocating = AtomicWords(count: words)
        for word in 0..<words {
            answering.base[word].store(~0, ordering: .relaxed)
            allocating.base[word].store(~0, ordering: .relaxed)
        }
    }

    /// Watches for clients going unanswered: queries this server stays silent for (a pool
    /// it is the standby of) whose DHCPv4 `secs` is at least `secs` (0: stop watching). A
    /// client counts `secs` from its first try, so a growing `secs` means nobody answers it:
    /// the signal a standby needs to tell a dead active from a broken link between partners.
    public func watchUnansweredClients(secs: Int) {
        unansweredSecs.store(secs, ordering: .relaxed)
    }

    /// Whether a query whose `secs` is `secs` is a client going unanswered, if it is one this
    /// server stays silent for (one relaxed load).
    @inline(__always)
    func isUnanswered(secs: UInt16) -> Bool {
        let threshold = unansweredSecs.load(ordering: .relaxed)
        return threshold > 0 && Int(secs) >= threshold
    }

    /// Notes, for pool `index`, a client going unanswered at `now` (a relaxed store; called by
    /// the shards, on the data plane).
    @inline(__always)
    func noteUnanswered(pool index: Int, now: Int64) {
        guard index >= 0 && index < count else { return }
        lastUnanswered.base[index].store(UInt64(bitPattern: now), ordering: .relaxed)
    }

    /// When (wall clock, milliseconds) a client of one of `pools` last went unanswered as
    /// ``watchUnansweredClients(secs:)`` defines it; 0 if never.
    public func lastUnansweredClient(in pools: some Sequence<Int>) -> Int64 {
        pools.filter { $0 >= 0 && $0 < count }.map {
            Int64(bitPattern: lastUnanswered.base[$0].load(ordering: .relaxed))
        }
        .max() ?? 0
    }

    /// Whether some pool is not fully served now (one relaxed load).
    @inline(__always)
    public var isRestricted: Bool { restricted.load(ordering: .relaxed) > 0 }

    /// Whether queries about pool `index` are answered now.
    @inline(__always)
    public func answers(_ index: Int) -> Bool {
        guard isRestricted else { return true }
        return Self.bit(answering, index)
    }

    /// Whether new leases may be allocated from pool `index` now.
    @inline(__always)
    public func allocates(_ index: Int) -> Bool {
        guard isRestricted else { return true }
        return Self.bit(allocating, index)
    }

    /// Pool `index`'s role now.
    package func role(of index: Int) -> Role {
        allocates(index) ? .serving : answers(index) ? .renewing : .silent
    }

    /// Gives pools `indices` `role`. Called by the redundancy services only, one call at a time.
    public func set(_ indices: some Sequence<Int>, to role: Role) {
        for index in indices where index >= 0 && index < count {
            Self.set(answering, index, role != .silent)
            Self.set(allocating, index, role == .serving)
        }
        let count = (0..<count).count { !Self.bit(allocating, $0) || !Self.bit(answering, $0) }
        restricted.store(count, ordering: .releasing)
    }

    /// The pools whose clients are not answered now, in index order.
    package var silentPools: [Int] { (0..<count).filter { !answers($0) } }

    @inline(__always)
    private static func bit(_ words: AtomicWords, _ index: Int) -> Bool {
        words.base[index >> 6].load(ordering: .acquiring) & (1 << UInt64(index & 63)) != 0
    }

    private static func set(_ words: AtomicWords, _ index: Int, _ on: Bool) {
        let bit: UInt64 = 1 << UInt64(index & 63)
        if on {
            words.base[index >> 6].bitwiseOr(bit, ordering: .releasing)
        } else {
            words.base[index >> 6].bitwiseAnd(~bit, ordering: .releasing)
        }
    }
}
