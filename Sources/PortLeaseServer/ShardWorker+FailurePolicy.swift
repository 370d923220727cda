import Glibc
import LeaseLog
import Logging
import PortLeaseSystem

/// The shard worker's failure policy (`Docs/LeaseLog.md`, "Failure policy"): what a failed
/// write or sync does to the held replies, the disk-full episode, and the fatal fault.
extension ShardWorker {
    /// A failed sync fails the log: every held reply is dropped, and the worker stops.
    func syncFailed(_ error: LeaseLogError, records count: Int) {
        statistics.fields.add(ShardStatistics.Field.commitFailures.rawValue)
        let dropped = arena.dropUnwritten(after: 0)
        counters.countDrop(.logCommitFailed, dropped)
        statistics.fields.add(ShardStatistics.Field.repliesDroppedAfterFailedCommit.rawValue, dropped)
        commitFailed(error, records: count)
    }

    /// Out of space (`ENOSPC`, or `EDQUOT` for a quota): waited out, the ACKs withheld.
    static func isOutOfSpace(_ errno: Int32) -> Bool { errno == ENOSPC || errno == EDQUOT }

    /// A failed log, or any other failed system call (`EIO`, `EROFS`, ...: the device is
    /// failing, and a write error may report the loss of earlier, already written pages),
    /// ends the worker; a full disk is reported once per episode and waited out; anything
    /// else (a record the log refuses) is logged with the batch's grants withheld.
    func commitFailed(_ error: LeaseLogError, records count: Int) {
        let cause: SystemCallFailure?
        if let failure = log.failure {
            cause = failure
        } else if case .system(let failure) = error {
            cause = failure
        } else {
            cause = nil
        }
        guard let cause else {
            logger.error(
                "lease log commit failed; the batch's grants were not sent",
                metadata: ["shard": "\(shard)", "error": "\(error)", "records-pending": "\(count)"])
            return
        }
        let file = "\(cause.path ?? log.directory)"
        if log.failure == nil && Self.isOutOfSpace(cause.errno) {
            guard !diskFull else { return }
            diskFull = true
            statistics.fields.store(ShardStatistics.Field.diskFull.rawValue, 1)
            logger.error(
                "lease log disk full; ACKs are withheld until there is space",
                metadata: [
                    "shard": "\(shard)", "file": "\(file)", "errno": "\(cause.errno)", "records-pending": "\(count)",
                ])
            return
        }
        fault = FatalFault(part: "shard-\(shard)", reason: "\(error)", status: .leaseLogFailed)
        logger.critical(
            "lease log failed; stopping the server so that recovery reads what is on disk",
            metadata: [
                "shard": "\(shard)", "file": "\(file)", "operation": "\(cause.operation)", "errno": "\(cause.errno)",
                "error": "\(error)",
            ])
    }
}
