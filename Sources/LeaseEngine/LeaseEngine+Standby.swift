import LeaseLog
import PortLeaseWire

/// A hot standby's side of the engine: what it must not answer, and the partner's records it
/// applies while it follows (see `Docs/Redundancy.md`).
extension LeaseEngine {
    /// Whether a query is about a pool this server is the standby of now: the client's current
    /// binding, the address it asks for (option 50) or the one it says it holds (`ciaddr`) lies
    /// in such a pool. The partner answers it; this server changes nothing. A client with none
    /// of these is served from the served pools only (``isEligible(_:_:)``).
    func concernsStandbyPool(_ context: RequestContext) -> Bool {
        if let id = table.find(context.key), table[id].state != .idle, !served.answers(Int(table[id].current.pool)) {
            return true
        }
        return isInSilentPool(context.message.requestedAddress) || isInSilentPool(context.message.header.ciaddr)
    }

    private func isInSilentPool(_ address: IPv4Address?) -> Bool {
        guard let address, address != .zero, let index = pool(containing: address) else { return false }
        return !served.answers(index)
    }

    /// Whether this server knows something newer about the client of the partner's `record`,
    /// which is then skipped (not applied, not logged):
    /// - an expiry of a lease this server has since extended (a standby that took its group
    ///   over renews the leases it knows, while the old active still expires them on its old
    ///   schedule);
    /// - a bind or renew ending before the client's current lease here does (while the two
    ///   could not talk, a client may have been granted a port set by each, and the one it
    ///   heard last is the one it uses; both partners use the same lifetimes, so the later
    ///   grant ends later).
    public func isReplicaSuperseded(_ record: LeaseRecord) -> Bool {
        guard let id = table.find(record.clientKey), table[id].state == .bound else { return false }
        let current = table[id].current
        let same = current.address == record.address && current.psid == record.psid
        switch record.event {
        case .expire: return same && table[id].expiry > record.time
        case .bind, .renew: return table[id].expiry > record.time + Int64(record.lifetime) * 1000
        case .release, .decline, .forcedRelease: return false
        }
    }

    /// Whether the partner's `record` can be applied now, or must wait for an earlier change
    /// the partner made on another shard.
    ///
    /// The partner's shards log independently: one may record a client taking a port set
    /// before the record of the shard whose client gave it back has reached this server. Such
    /// a bind (or renew, or decline of a port set not held) finds the slots still taken here,
    /// and waits, in its shard's order, until that release arrives; every other record applies
    /// at once. The partner's own order of changes is causal, so the wait always ends. A ready
    /// record is applied with ``replay(_:)``, as start-up applies this server's own.
    ///
    /// Declined port sets whose quarantine ended by the record's time go back to the pool
    /// first, as ``replay(_:)`` would do before applying it.
    public func isReplicaReady(_ record: LeaseRecord) -> Bool {
        while let (_, binding) = quarantine.popDue(record.time) {
            releaseSlots(binding)
        }
        switch record.event {
        case .release, .expire, .forcedRelease: return true
        case .bind, .renew, .decline: break
        }
        guard let index = pool(containing: record.address) else { return true }
        let binding = Binding(
            address: record.address, psid: record.psid, psidLength: record.psidLength, pool: UInt8(index))
        if let id = table.find(record.clientKey), table[id].state != .idle, table[id].current == binding {
            return true
        }
        if reservedBindings.contains(binding) || isSubscriberReserved(binding) { return true }
        return (try? pools[index].isFree(binding.portSet)) ?? true
    }

    /// Ends, with a `forcedRelease` record each, the bound leases this shard holds in `pools`
    /// whose client `keep` does not name: a standby that caught up from its active's snapshot
    /// holds these only because their end was folded into that snapshot, so the active no
    /// longer has them. Offers go too (without a record). Returns how many leases it ended.
    public func endReplicaLeases(
        inPools pools: Set<Int>, except keep: Set<ClientKey>, now: Int64, records: inout [LeaseRecord]
    ) -> Int {
        var ended = 0
        for id in table.activeIDs where table[id].state != .idle && pools.contains(Int(table[id].current.pool)) {
            guard !keep.contains(table.key(of: id)) else { continue }
            if table[id].state == .bound { ended += 1 }
            endForcibly(id, now: now, records: &records)
        }
        return ended
    }

    /// Each pool's address ranges, as (range of IPv4 values, pool index): fixed when the engine
    /// is built, so readable from any thread (replication tells its groups' records apart by them).
    public var poolRanges: [(range: ClosedRange<UInt32>, pool: Int)] { ranges }
}
