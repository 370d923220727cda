import Dispatch
import LeaseLog
import Logging
import PortLeaseSystem
import Synchronization

/// Compaction and retention of every shard's lease log, on one background thread of its own.
///
/// Every `interval` it folds each shard's sealed segments into that shard's snapshot and
/// history (`LogCompactor`), and about once an hour deletes the holdings that ended before the
/// retention window. It needs nothing from the shard workers, who go on appending to their
/// newest segment (sealed by size or age, `LeaseLog.Options.segmentMaxAge`): no exchange waits
/// for it. The thread runs at a lower CPU priority (nice 10), so on a busy machine the shard
/// workers come first and compaction takes what is left.
///
/// An `fdatasync` failure in compaction ends the process like one in a commit (the page cache
/// cannot be trusted); any other failure (a full disk, a damaged sealed segment) is logged,
/// counted and retried at the next interval, while the shards keep serving.
public final class LogMaintenance: @unchecked Sendable {
    /// When it works.
    public struct Settings: Sendable {
        /// How often it looks for sealed segments, in milliseconds.
        public var interval: Int64
        /// Holdings that ended more than this many days ago are deleted.
        public var retentionDays: Int
        /// How often retention runs, in milliseconds.
        public var retentionInterval: Int64

        /// For each shard, the last sequence number compaction may fold (nil: no limit): what a
        /// reader of the log has passed (history shipping's cursor), so that nothing it has not
        /// sent is deleted.
        public var compactionLimit: (@Sendable (_ shard: Int) -> UInt64)?

        public init(
            interval: Int64 = 10_000, retentionDays: Int = 180, retentionInterval: Int64 = 3_600_000,
            compactionLimit: (@Sendable (_ shard: Int) -> UInt64)? = nil
        ) {
            self.interval = interval
            self.retentionDays = retentionDays
            self.retentionInterval = retentionInterval
            self.compactionLimit = compactionLimit
        }
    }

    /// Per-shard figures for the metrics endpoint, published after every pass.
    public let statistics: [LogMaintenanceStatistics]
    private let compactors: [LogCompactor]
    private let settings: Settings
    private let logger: Logger
    private let wake = DispatchSemaphore(value: 0)
    private let stopping = Atomic<Bool>(false)
    private var lastRetention: Int64?

    public init(directories: [String], settings: Settings, logger: Logger) {
        compactors = directories.map { LogCompactor(directory: $0) }
        statistics = directories.map { _ in LogMaintenanceStatistics() }
        self.settings = settings
        self.logger = logger
    }

    /// The thread's body: passes until `stop()`; returns the fault that ended it, or nil.
    public func run() -> FatalFault? {
        ThreadPriority.lowerCurrentThread(to: 10)
        while !stopping.load(ordering: .relaxed) {
            if let fault = pass(now: SystemClock.wallClockMilliseconds()) { return fault }
            _ = wake.wait(timeout: .now() + .milliseconds(Int(settings.interval)))
        }
        return nil
    }

    /// Asks `run()` to return after the pass in hand.
    public func stop() {
        stopping.store(true, ordering: .relaxed)
        wake.signal()
    }

    /// One pass over every shard (public so tests and tools can drive it without the thread).
    @discardableResult
    public func pass(now: Int64) -> FatalFault? {
        let retentionDue = lastRetention.map { now - $0 >= settings.retentionInterval } ?? true
        for (shard, compactor) in compactors.enumerated() {
            let statistics = statistics[shard]
            do throws(LeaseLogError) {
                let started = SystemClock.monotonicNanoseconds()
                if let report = try compactor.compact(through: settings.compactionLimit?(shard)) {
                    let milliseconds = Int((SystemClock.monotonicNanoseconds() - started) / 1_000_000)
                    statistics.recordCompaction(milliseconds: milliseconds, at: now)
                    logger.debug(
                        "lease log compacted",
                        metadata: [
                            "shard": "\(shard)", "segments": "\(report.foldedSegments.count)",
                            "records": "\(report.foldedRecords)", "ended-holdings": "\(report.endedHoldings)",
                            "live": "\(report.snapshotEntries)", "ms": "\(milliseconds)",
                        ])
                }
                if retentionDue {
                    let deleted = try compactor.applyRetention(now: now, retentionDays: settings.retentionDays)
                    if deleted.deletedHoldings > 0 {
                        logger.info(
                            "lease history retention",
                            metadata: [
                                "shard": "\(shard)", "deleted-holdings": "\(deleted.deletedHoldings)",
                                "days": "\(settings.retentionDays)",
                            ])
                    }
                }
                statistics.publish(try compactor.status())
            } catch {
                statistics.failures.add(0)
                if case .syncFailed(let failure) = error {
                    return FatalFault(
                        part: "compaction of shard-\(shard)", reason: "\(failure)", status: .leaseLogFailed)
                }
                logger.error(
                    "lease log compaction failed; retrying at the next interval",
                    metadata: ["shard": "\(shard)", "directory": "\(compactor.directory)", "error": "\(error)"])
            }
        }
        if retentionDue { lastRetention = now }
        return nil
    }
}
