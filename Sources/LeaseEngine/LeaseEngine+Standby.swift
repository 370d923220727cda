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
        silentPoolOfLease(context) != nil || silentPool(containing: context.message.requestedAddress) != nil
            || silentPool(containing: context.message.header.ciaddr) != nil
    }

    /// Notes a client going unanswered (its `secs` past `unanswered-secs`) against the pools
    /// it is about: its lease's, the one its requested address or `ciaddr` lies in, or else
    /// every silent pool it could be served from. So only the group whose clients go
    /// unanswered counts it, not every group this server is the standby of.
    func noteUnanswered(_ context: RequestContext) {
        var named = false
        func note(_ index: Int?) {
            guard let index else { return }
            served.noteUnanswered(pool: index, now: context.now)
            named = true
        }
        note(silentPoolOfLease(context))
        note(silentPool(containing: context.message.requestedAddress))
        note(silentPool(containing: context.message.header.ciaddr))
        guard !named else { return }
        for index in selectionOrder where !served.answers(index) && isInSelection(index, context) {
            served.noteUnanswered(pool: index, now: context.now)
        }
    }

    /// The pool of the client's current binding, if this server is silent for it.
    private func silentPoolOfLease(_ context: RequestContext) -> Int? {
        guard let id = table.find(context.key), table[id].state != .idle else { return nil }
        let index = Int(table[id].current.pool)
        return served.answers(index) ? nil : index
    }

    /// The pool `address` lies in, if this server is silent for it.
    private func silentPool(containing address: IPv4Address?) -> Int? {
        guard let address, address != .zero, let index = pool(containing: address) else { return nil }
        return served.answers(index) ? nil : index
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
        // A decline this server applied already (sent again after a reconnect, or in a
        // snapshot): its port set waits out that quarantine, and a second one would wait on itself.
        if record.event == .decline, let binding = replicaBinding(record) { return isQuarantined(binding) }
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
        guard let binding = replicaBinding(record) else { return true }
        if let id = table.find(record.clientKey), table[id].state != .idle, table[id].current == binding {
            return true
        }
        if reservedBindings.contains(binding) || isSubscriberReserved(binding) { return true }
        if (try? pools[Int(binding.pool)].isFree(binding.portSet)) ?? true { return true }
        // Taken: by another client (wait for its release), or by this very decline, applied before.
        return record.event == .decline && isQuarantined(binding)
    }

    /// The binding `record` names, nil when its address is in no pool.
    private func replicaBinding(_ record: LeaseRecord) -> Binding? {
        guard let index = pool(containing: record.address) else { return nil }
        return Binding(address: record.address, psid: record.psid, psidLength: record.psidLength, pool: UInt8(index))
    }

    /// Ends, with a `forcedRelease` record each, the leases this shard holds in `pools` that
    /// `keep` (a snapshot's live leases, by client) does not name with the same address and
    /// PSID: a standby that caught up from its active's snapshot holds these only because
    /// their end was folded into that snapshot. Ending them first frees every port set the
    /// snapshot's own records need, so those never wait on a lease the active no longer has.
    /// Offers go too (without a record). Returns how many leases it ended.
    public func endReplicaLeases(
        inPools pools: Set<Int>, except keep: [ClientKey: LeaseRecord], now: Int64, records: inout [LeaseRecord]
    ) -> Int {
        var ended = 0
        for id in table.activeIDs where table[id].state != .idle && pools.contains(Int(table[id].current.pool)) {
            let current = table[id].current
            if let kept = keep[table.key(of: id)], kept.address == current.address, kept.psid == current.psid {
                continue
            }
            if table[id].state == .bound { ended += 1 }
            endForcibly(id, now: now, records: &records)
        }
        return ended
    }

    /// Each pool's address ranges, as (range of IPv4 values, pool index): fixed when the engine
    /// is built, so readable from any thread (replication tells its groups' records apart by them).
    public var poolRanges: [(range: ClosedRange<UInt32>, pool: Int)] { ranges }
}
