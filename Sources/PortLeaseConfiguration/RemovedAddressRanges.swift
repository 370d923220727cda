import LeaseEngine
import PortLeaseWire

/// For a SIGHUP reload: the address ranges of `old`'s pools that `new` no longer serves
/// in the same way, so the server can refuse a reload that would orphan active leases
/// (it looks up whether any active lease lies in a returned range).
///
/// Pools are matched by name. A range is returned, under the old pool's name, when:
/// - `new` has no pool of that name (the whole pool is dropped, or renamed);
/// - the pool of that name no longer covers it (the pool shrank);
/// - the pool's port-set layout changed: shared became full or the reverse, or
///   `psid-offset`, `psid-length-min`, `psid-length-max` or `reserved-ports` differ.
///   Then every range of the pool is returned, because a lease's port set may not exist,
///   or may be reserved, in the new layout.
///
/// Everything else (lifetimes, timers, options, match criteria, the default PSID length,
/// the search order, new pools, new addresses) can change under active leases.
/// The result is in `old`'s pool and range order, each range at most once.
public func removedAddressRanges(
    from old: ServerConfiguration, to new: ServerConfiguration
) -> [(pool: String, range: ClosedRange<IPv4Address>)] {
    var removed: [(pool: String, range: ClosedRange<IPv4Address>)] = []
    for pool in old.engine.pools {
        guard let successor = new.engine.pools.first(where: { $0.name == pool.name }),
            layout(of: successor) == layout(of: pool)
        else {
            removed += pool.addressRanges.map { (pool.name, $0) }
            continue
        }
        let kept = successor.addressRanges.sorted { $0.lowerBound < $1.lowerBound }
        for range in pool.addressRanges {
            removed += subtract(kept, from: range).map { (pool.name, $0) }
        }
    }
    return removed
}

/// What a lease's port set depends on: the pool kind and, for a shared pool, every
/// parameter except the default length.
private func layout(of pool: PoolPolicy) -> PoolPolicy.SharedParameters? {
    guard case .shared(var shared) = pool.kind else { return nil }
    shared.defaultPSIDLength = 0
    return shared
}

/// The parts of `range` outside every range of `kept` (sorted by lower bound, disjoint).
private func subtract(
    _ kept: [ClosedRange<IPv4Address>], from range: ClosedRange<IPv4Address>
) -> [ClosedRange<IPv4Address>] {
    var pieces: [ClosedRange<IPv4Address>] = []
    var next = UInt64(range.lowerBound.value)  // the first address not yet accounted for
    let end = UInt64(range.upperBound.value)
    for covered in kept where UInt64(covered.upperBound.value) >= next && UInt64(covered.lowerBound.value) <= end {
        let start = UInt64(covered.lowerBound.value)
        if start > next { pieces.append(IPv4Address(UInt32(next))...IPv4Address(UInt32(start - 1))) }
        next = max(next, UInt64(covered.upperBound.value) + 1)
    }
    if next <= end { pieces.append(IPv4Address(UInt32(next))...IPv4Address(UInt32(end))) }
    return pieces
}
