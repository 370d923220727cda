import LeaseEngine
import Logging
import Synchronization

/// Logs drops at most once per reason per interval: "12 datagrams dropped
/// (malformed-dhcpv4) in the last 10 s". The packet paths only bump counters; this
/// reads them from its own thread, so a flood costs one log line per reason per
/// interval, not one per packet.
final class DropReporter: @unchecked Sendable {
    private let counters: ServerCounters
    private let shards: [ShardStatistics]
    private let queues: [ShardQueue]
    private let logger: Logger
    private let intervalSeconds: Int
    private let stopping = Atomic<Bool>(false)
    private let signal = WorkerSignal()
    private var lastDatagramDrops: [Int]
    private var lastEngineDrops: [Int]
    private let pools: PoolWatch?
    private var lastExhausted: [Int]
    private var alarmed: [Bool]
    /// Whether stale queries were shed in the last interval.
    private var shedding = false

    init(
        counters: ServerCounters, shards: [ShardStatistics], queues: [ShardQueue], logger: Logger,
        pools: PoolWatch? = nil, intervalSeconds: Int = 10
    ) {
        self.pools = pools
        lastExhausted = Array(repeating: 0, count: pools?.names.count ?? 0)
        alarmed = Array(repeating: false, count: pools?.names.count ?? 0)
        self.counters = counters
        self.shards = shards
        self.queues = queues
        self.logger = logger
        self.intervalSeconds = intervalSeconds
        lastDatagramDrops = Array(repeating: 0, count: DatagramDropReason.allCases.count)
        lastEngineDrops = Array(repeating: 0, count: DropReason.allCases.count)
    }

    func run() {
        while !stopping.load(ordering: .relaxed) {
            signal.sleep(timeoutMilliseconds: Int32(intervalSeconds * 1000)) { stopping.load(ordering: .relaxed) }
            report()
        }
    }

    func stop() {
        stopping.store(true, ordering: .relaxed)
        signal.wake()
    }

    /// Logs every reason whose count grew since the last report, each pool that
    /// refused clients because it was full, and each pool crossing its utilisation alarm.
    func report() {
        reportPools()
        let totals = DatagramDropReason.allCases.map { reason in
            counters.drops(reason) + queues.reduce(0) { $0 + $1.drops(reason) }
        }
        reportShedding(totals)
        for reason in DatagramDropReason.allCases {
            let total = totals[reason.rawValue]
            let delta = total - lastDatagramDrops[reason.rawValue]
            lastDatagramDrops[reason.rawValue] = total
            if delta > 0 {
                // A duplicate is absorbed, not lost: its waiting copy is answered.
                logger.log(
                    level: reason == .duplicate ? .info : .warning, "datagrams dropped",
                    metadata: ["reason": "\(reason)", "count": "\(delta)", "interval-s": "\(intervalSeconds)"])
            }
        }
        for reason in DropReason.allCases {
            let total = shards.reduce(0) { $0 + $1.engineDrops(reason) }
            let delta = total - lastEngineDrops[Int(reason.rawValue)]
            lastEngineDrops[Int(reason.rawValue)] = total
            if delta > 0 {
                let level: Logger.Level = reason == .subscriberLimit || reason == .poolsExhausted ? .warning : .info
                logger.log(
                    level: level, "queries not answered",
                    metadata: ["reason": "\(reason)", "count": "\(delta)", "interval-s": "\(intervalSeconds)"])
            }
        }
    }

    private func reportPools() {
        guard let pools else { return }
        for (index, name) in pools.names.enumerated() {
            let total = shards.reduce(0) { $0 + $1.poolExhausted(index) }
            let delta = total - lastExhausted[index]
            lastExhausted[index] = total
            if delta > 0 {
                logger.warning(
                    "pool full: clients refused a new lease",
                    metadata: ["pool": "\(name)", "count": "\(delta)", "interval-s": "\(intervalSeconds)"])
            }
            let now = pools.isAlarmed(index)
            guard now != alarmed[index] else { continue }
            alarmed[index] = now
            let metadata: Logger.Metadata = [
                "pool": "\(name)", "utilisation-percent": "\(pools.utilisationPerMille(index) / 10)",
                "utilisation-alarm": "\(pools.threshold(index))",
            ]
            if now {
                logger.warning("pool utilisation at or above its alarm", metadata: metadata)
            } else {
                logger.notice("pool utilisation back below its alarm", metadata: metadata)
            }
        }
    }

    /// What overload sheds: queries that waited past the budget, and queries whose lane was full.
    private static let shedReasons: [DatagramDropReason] = [.stale, .staleDiscover, .queueFull, .queueFullDiscover]

    /// One line when the server starts shedding (overload), one when it stops: whether any
    /// shedding reason's total (`totals`, by reason) grew since the last report.
    private func reportShedding(_ totals: [Int]) {
        let grew = Self.shedReasons.contains { totals[$0.rawValue] > lastDatagramDrops[$0.rawValue] }
        guard grew != shedding else { return }
        shedding = grew
        if grew {
            logger.warning(
                "overloaded: shedding queries that waited past the queue-delay budget or found their queue full (DISCOVERs first)",
                metadata: ["interval-s": "\(intervalSeconds)"])
        } else {
            logger.notice("no longer shedding queries", metadata: ["interval-s": "\(intervalSeconds)"])
        }
    }
}
