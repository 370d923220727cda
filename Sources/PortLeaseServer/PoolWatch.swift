import LeaseEngine
import PortSetPool

/// The pools as the operator watches them: how full each is, against the
/// utilisation alarm configured for it (`utilisation-alarm`, percent), for the
/// metrics endpoint and the drop reporter.
///
/// Utilisation is the share of the pool's finest port sets (its longest PSID, one
/// address for a full pool) that are taken, so port sets of several sizes add up
/// correctly. Reads the pools' atomic counters only; thresholds are atomics a
/// reload replaces, so the data plane is never involved.
public final class PoolWatch: Sendable {
    public let names: [String]
    public let pools: [PortSetPool]
    private let thresholds: AtomicCounters

    public init(policies: [PoolPolicy], pools: [PortSetPool]) {
        precondition(policies.count == pools.count, "one policy per pool")
        names = policies.map(\.name)
        self.pools = pools
        thresholds = AtomicCounters(count: pools.count)
        update(policies)
    }

    /// Takes the thresholds of a reloaded configuration (same pools, same order).
    public func update(_ policies: [PoolPolicy]) {
        for (index, policy) in policies.enumerated() where index < pools.count {
            thresholds.store(index, policy.utilisationAlarm)
        }
    }

    /// The alarm threshold of pool `index`, percent.
    public func threshold(_ index: Int) -> Int { thresholds[index] }

    /// Taken share of pool `index`, in thousandths (0...1000).
    public func utilisationPerMille(_ index: Int) -> Int {
        let pool = pools[index]
        let finest = pool.offeredLengths.max() ?? 0
        var used = 0
        for length in pool.offeredLengths {
            used += ((try? pool.usedPortSets(psidLength: length)) ?? 0) << (finest - length)
        }
        let total = used + ((try? pool.freePortSets(psidLength: finest)) ?? 0)
        return total == 0 ? 0 : used * 1000 / total
    }

    /// True when pool `index` is at or above its alarm threshold.
    public func isAlarmed(_ index: Int) -> Bool {
        utilisationPerMille(index) >= threshold(index) * 10
    }
}
