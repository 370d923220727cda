import Dispatch
import Foundation
import LeaseLog

/// Runs `LogCompactor` passes on a thread of its own, as the server's `LogMaintenance` does, so
/// that on two cores the simulation writes the next interval while the previous one is folded.
///
/// One pass at a time (the compactor's contract): `submit` waits until the previous pass has
/// finished. That wait is what keeps the run honest about disk use: a server's compaction takes
/// seconds per multi-minute interval, so it always keeps up; the simulation compresses time and
/// must not let sealed segments pile up in a way a server would not. The time the writer spends
/// waiting is reported, and says whether writing or compaction bounds the run.
final class CompactionWorker: @unchecked Sendable {
    /// A pass: compaction, then retention when `retentionNow` (simulated ms) is set.
    struct Job {
        var retentionNow: Int64?
        var retentionDays: Int
        var stop = false
    }

    let compactor: LogCompactor
    private let request = DispatchSemaphore(value: 0)
    private let idle = DispatchSemaphore(value: 1)
    private var job: Job?

    // Written by the worker thread, read by the writer after `waitIdle()` (the semaphores order them).
    private(set) var passes = 0
    private(set) var compactSeconds = 0.0
    private(set) var retentionSeconds = 0.0
    private(set) var longestPassSeconds = 0.0
    private(set) var foldedRecords = 0
    private(set) var endedHoldings = 0
    private(set) var retentionDeleted = 0
    private(set) var lastSnapshotBytes = 0
    private(set) var failure: (any Error)?
    /// Seconds the writer spent waiting for a pass to finish.
    private(set) var writerWaitSeconds = 0.0

    init(directory: String) {
        compactor = LogCompactor(directory: directory)
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "compaction"
        thread.start()
    }

    /// Hands `job` to the thread once the previous pass is done.
    func submit(_ job: Job) throws(HistoryError) {
        waitForPass()
        if let failure { throw HistoryError("compaction failed: \(failure)") }
        self.job = job
        request.signal()
    }

    /// Waits until no pass is running.
    func waitIdle() throws(HistoryError) {
        waitForPass()
        idle.signal()
        if let failure { throw HistoryError("compaction failed: \(failure)") }
    }

    func stop() {
        try? submit(Job(retentionNow: nil, retentionDays: 0, stop: true))
        waitForPass()
        idle.signal()
    }

    private func waitForPass() {
        let started = DispatchTime.now().uptimeNanoseconds
        idle.wait()
        writerWaitSeconds += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    }

    private func run() {
        while true {
            request.wait()
            guard let job, !job.stop else {
                idle.signal()
                return
            }
            let started = DispatchTime.now().uptimeNanoseconds
            do {
                if let report = try compactor.compact() {
                    foldedRecords += report.foldedRecords
                    endedHoldings += report.endedHoldings
                    lastSnapshotBytes = report.snapshotBytes
                }
                let compacted = DispatchTime.now().uptimeNanoseconds
                compactSeconds += Double(compacted - started) / 1e9
                if let now = job.retentionNow {
                    let report = try compactor.applyRetention(now: now, retentionDays: job.retentionDays)
                    retentionDeleted += report.deletedHoldings
                    retentionSeconds += Double(DispatchTime.now().uptimeNanoseconds - compacted) / 1e9
                }
            } catch {
                failure = error
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            longestPassSeconds = max(longestPassSeconds, seconds)
            passes += 1
            idle.signal()
        }
    }
}
