import LeaseEngine
import LeaseLog
import PortLeaseServer
import PortLeaseWire

/// Checks at the end of an input: a restart rebuilds what the engines hold, and when
/// everything has run out nothing is left held or counted.
extension LeaseAudit {
    /// A restart at `now`: fresh engines over fresh pools replay each shard's records in
    /// order and expire, shard after shard, as `ShardLogs.open` does. They must hold
    /// exactly the leases (bound bindings, with their expiry) the running engines hold;
    /// offers are not logged, so they are not compared.
    public func checkRestart(now: Int64, shards: Int) {
        let restarted: [LeaseEngine]
        do throws(EngineError) {
            restarted = try LeaseEngine.makeShards(path.engines[0].configuration, count: shards)
        } catch {
            fatalError("the configuration no longer builds: \(error)")
        }
        for (shard, engine) in restarted.enumerated() {
            for record in log[shard] { engine.replay(record) }
            var expired: [LeaseRecord] = []
            engine.expire(now: now, records: &expired)
        }
        for shard in 0..<shards {
            let live = Self.leases(path.engines[shard])
            let replayed = Self.leases(restarted[shard])
            guard live == replayed else {
                let lost = live.subtracting(replayed).map(\.description).sorted()
                let gained = replayed.subtracting(live).map(\.description).sorted()
                fatalError(
                    "shard \(shard): a restart at \(now) would lose \(lost) and invent \(gained) "
                        + "(\(restarted[shard].counters.replayConflicts) replay conflicts)")
            }
        }
    }

    /// One bound lease as a comparable value.
    struct Lease: Hashable, CustomStringConvertible {
        var key: ClientKey
        var binding: Binding
        var expiry: Int64
        var description: String { "\(key) \(binding) until \(expiry)" }
    }

    static func leases(_ engine: LeaseEngine) -> Set<Lease> {
        Set(
            engine.currentBindings().compactMap { item in
                item.state.kind == .bound
                    ? Lease(key: item.key, binding: item.state.binding, expiry: item.state.expiry) : nil
            })
    }

    /// Runs everything out: expiry far after `now` must end every offer, lease and
    /// quarantine, give every slot back to its pool, and leave no subscriber counted.
    /// `queries` are the datagrams (and origins) the engines saw, to name their subscribers.
    public func checkDrained(after now: Int64, queries: [(payload: [UInt8], origin: DatagramOrigin)]) {
        let later = now + 30 * 86_400_000
        path.expire(now: later)
        absorbRecords()
        expired(now: later)
        if let left = bindings().first {
            fatalError("\(left.key) still holds \(left.state) long after everything ran out")
        }
        checkBindings()
        for (payload, origin) in queries {
            payload.withUnsafeBytes { raw in
                withQuery(raw, origin: origin) { _, query in
                    for (shard, engine) in path.engines.enumerated() where engine.activeCount(subscriberOf: query) != 0
                    {
                        fatalError(
                            "shard \(shard): a subscriber still counts \(engine.activeCount(subscriberOf: query)) "
                                + "leases when no client holds any")
                    }
                }
            }
        }
    }
}
