import LeaseEngine
import LeaseLog
import PortLeaseConfiguration
import Synchronization

/// The pool groups whose failback was given up after this standby had handed its leases over
/// (`Docs/Redundancy.md`, "Failing back"): their old active may have logged copies of those
/// leases, which it streams back, stale by then. It grants nothing in their pools itself while
/// it stays yielded, and this standby had every record it committed before the hand-back, so
/// every bind, renew or decline it streams there is such a copy, and is skipped. Ends (release,
/// expiry) still apply: an end of a lease this standby does not hold changes nothing.
///
/// Read by the frame loop, changed when a failback is given up or ends well.
final class StaleGrants: Sendable {
    /// The engine's pool ranges (fixed when it is built).
    private let ranges: [(range: ClosedRange<UInt32>, pool: Int)]
    private let state = Mutex<(groups: [String: Set<Int>], membership: PoolMembership?)>(([:], nil))
    /// Whether any group is listed: the frame loop's test before it looks at records.
    private let any = Atomic<Bool>(false)

    init(engine: LeaseEngine) {
        ranges = engine.poolRanges
    }

    /// Skips `group`'s pools' grants from now on.
    func add(_ group: ServerConfiguration.Redundancy.PoolGroup) {
        update { $0[group.name] = Set(group.pools + group.standbyPools) }
    }

    /// Stops skipping `names`' pools' grants.
    func forget(_ names: [String]) {
        update { groups in for name in names { groups[name] = nil } }
    }

    private func update(_ change: (inout [String: Set<Int>]) -> Void) {
        state.withLock { state in
            change(&state.groups)
            let pools = state.groups.values.reduce(into: Set<Int>()) { $0.formUnion($1) }
            state.membership = pools.isEmpty ? nil : PoolMembership(pools: pools, ranges: ranges)
            any.store(!pools.isEmpty, ordering: .releasing)
        }
    }

    /// `records` without the stale grants.
    func filter(_ records: [LeaseRecord]) -> [LeaseRecord] {
        guard any.load(ordering: .acquiring), let membership = state.withLock({ $0.membership }) else { return records }
        return records.filter { record in
            switch record.event {
            case .bind, .renew, .decline: return !membership.contains(record.address)
            case .release, .expire, .forcedRelease: return true
            }
        }
    }
}
