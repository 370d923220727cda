import LeaseEngine
import LeaseLog
import PortLeaseServer
import PortLeaseWire
import PortSetPool

/// What must hold after every step whatever the datagrams were; each check traps
/// (`fatalError`, with what broke) so that libFuzzer reports the input.
///
/// It keeps a model of what the engines should hold in their pools: every current
/// binding (offers included) and every declined binding still in quarantine, known from
/// the `decline` records. From that it checks that no two clients hold overlapping port
/// sets, that each pool's free count is its starting count less exactly what the model
/// holds, that the log accepts every record, that each reply parses and says what the
/// engine did, and that no subscriber holds more than its limit.
public final class LeaseAudit {
    public let path: ServerPath
    /// Every shard's records so far, in order: what its lease log would hold.
    public private(set) var log: [[LeaseRecord]]
    private let configuration: EngineConfiguration
    private let recordCheck: RecordCheck
    /// Per pool: the PSID lengths it offers, the longest (the slot size) and the free slots at the start.
    private let offered: [[Int]]
    private let finest: [Int]
    private let initialFree: [Int]
    /// Declined bindings and the end of their quarantine (milliseconds, rounded up to a second).
    private var quarantine: [(binding: Binding, until: Int64)] = []

    public init(_ path: ServerPath, recordCheck: RecordCheck) {
        self.path = path
        self.recordCheck = recordCheck
        configuration = path.engines[0].configuration
        log = path.engines.map { _ in [] }
        offered = path.engines[0].pools.map(\.offeredLengths)
        finest = offered.map { $0.max() ?? 0 }
        initialFree = zip(path.engines[0].pools, finest).map { pool, length in
            (try? pool.freePortSets(psidLength: length)) ?? -1
        }
    }

    /// Takes the path's new records: each must be one the log accepts; declines start a quarantine.
    public func absorbRecords() {
        for (shard, records) in path.takeRecords().enumerated() {
            for record in records {
                recordCheck.check(record)
                if record.event == .decline, let pool = pool(containing: record.address) {
                    let binding = Binding(
                        address: record.address, psid: record.psid, psidLength: record.psidLength, pool: UInt8(pool))
                    let until = record.time + Int64(record.lifetime) * 1000
                    quarantine.append((binding, (until + 999) / 1000 * 1000))
                }
            }
            log[shard] += records
        }
    }

    /// Expiry ran at `now`: quarantines due by then are over.
    public func expired(now: Int64) {
        quarantine.removeAll { $0.until <= now }
    }

    /// The pool whose ranges hold `address`.
    func pool(containing address: IPv4Address) -> Int? {
        configuration.pools.firstIndex { policy in policy.addressRanges.contains { $0.contains(address) } }
    }

    /// Slots (of the pool's finest port-set size) that `binding` covers.
    func slots(_ binding: Binding) -> Int { 1 << (finest[Int(binding.pool)] - Int(binding.psidLength)) }

    /// Every current binding, on every shard.
    public func bindings() -> [(key: ClientKey, state: LeaseEngine.LeaseState)] {
        path.engines.flatMap { $0.currentBindings() }
    }

    /// No overlapping port sets, each binding in its own pool's range at a length it offers,
    /// pool counts that match the bindings and quarantines exactly, no live replay conflicts.
    public func checkBindings() {
        // The holder is a client key, or nil for a quarantine; described only on failure.
        var held: [(binding: Binding, holder: ClientKey?)] = quarantine.map { ($0.binding, nil) }
        held += bindings().map { ($0.state.binding, $0.key) }
        func name(_ holder: ClientKey?) -> String { holder.map { "\($0)" } ?? "quarantine" }
        var used = [Int](repeating: 0, count: finest.count)
        for (index, item) in held.enumerated() {
            let binding = item.binding
            guard Int(binding.pool) < finest.count, pool(containing: binding.address) == Int(binding.pool) else {
                fatalError("\(name(item.holder)) holds \(binding), outside pool \(binding.pool)'s ranges")
            }
            guard offered[Int(binding.pool)].contains(Int(binding.psidLength)) else {
                fatalError("\(name(item.holder)) holds \(binding), a PSID length its pool does not offer")
            }
            // A handful of bindings: comparing every pair is cheaper than building an index.
            for other in held[..<index] where Self.overlap(binding, other.binding) {
                fatalError(
                    "\(name(item.holder)) holds \(binding), overlapping \(other.binding) held by \(name(other.holder))")
            }
            used[Int(binding.pool)] += slots(binding)
        }
        for (index, pool) in path.engines[0].pools.enumerated() {
            let free = (try? pool.freePortSets(psidLength: finest[index])) ?? -1
            guard initialFree[index] - free == used[index] else {
                fatalError(
                    "pool \(index): \(initialFree[index] - free) slots in use, but bindings and quarantines hold \(used[index])"
                )
            }
        }
        for (shard, engine) in path.engines.enumerated() where engine.counters.replayConflicts != 0 {
            fatalError("shard \(shard): \(engine.counters.replayConflicts) table/pool conflicts while serving")
        }
    }

    /// Two port sets at one address overlap when the shorter PSID is a prefix of the longer.
    static func overlap(_ a: Binding, _ b: Binding) -> Bool {
        guard a.address == b.address else { return false }
        let (short, long) = a.psidLength <= b.psidLength ? (a, b) : (b, a)
        return long.psid >> (long.psidLength - short.psidLength) == short.psid
    }
}
