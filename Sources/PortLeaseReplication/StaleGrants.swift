import LeaseEngine
import LeaseLog
import PortLeaseConfiguration
import Synchronization

/// The pool groups whose leases this standby has handed over in a failback that has not ended
/// well (`Docs/Redundancy.md`, "Failing back"): their old active may have logged copies of those
/// leases, and ended its own leases there that the standby did not hold, and it streams those
/// records back, stale by the time this standby serves the groups again. It grants nothing in
/// their pools itself while it stays yielded, and this standby had every record it committed
/// before the hand-back, so every record of its in those pools is such a record, and is skipped.
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

    /// `records` without those in the listed groups' pools.
    func filter(_ records: [LeaseRecord]) -> [LeaseRecord] {
        guard any.load(ordering: .acquiring), let membership = state.withLock({ $0.membership }) else { return records }
        return records.filter { !membership.contains($0.address) }
    }
}
