import PortLeaseSystem

/// A failed system call: which operation, on which file, and the `errno` it returned. The
/// system layer's one error type (`operation`, `path`, `code`, and `errno` as an `Int32`).
///
/// Carried by `LeaseLogError` so that an operator reading a log line sees, for example,
/// "fdatasync /var/lib/portlease/shard0/0000000000000003.seg: Input/output error (errno 5)".
public typealias SystemCallFailure = SystemCallError

/// Everything that can go wrong in the lease log, each case naming what failed and where.
public enum LeaseLogError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A system call failed. From `commit`, a failed `write` leaves the batch pending and the log usable.
    case system(SystemCallFailure)
    /// `fdatasync` failed. Linux may already have dropped the dirty pages, so a retry could
    /// report success for data that is gone: the log is marked failed and must be reopened.
    case syncFailed(SystemCallFailure)
    /// The log was marked failed by an earlier error (the cause is attached); reopen it to recover.
    case logFailed(cause: SystemCallFailure)
    /// The log was closed; open it again to append.
    case closed(directory: String)
    /// A record cannot be encoded: a field is out of range (the reason says which).
    case invalidRecord(String)
    /// A record in the middle of the log is damaged. Recovery stops here; `LeaseLog.repair`
    /// truncates at this point when the operator asks for it.
    case corruptRecord(segment: String, offset: Int, reason: String)
    /// A segment's header is damaged or does not match its file name.
    case corruptSegmentHeader(segment: String, reason: String)
    /// Segments do not follow on: records `expected ..< found` are missing (a segment was lost).
    case missingRecords(segment: String, expected: UInt64, found: UInt64)
    /// A holdings file (the snapshot or a history day file under `history/`) is damaged at `offset`.
    case corruptSnapshot(path: String, offset: Int, reason: String)
    /// `sealForCompaction` needs a committed log; `count` records are still pending.
    case pendingRecords(count: Int)
    /// A repair request does not name a place in the log (no such segment, offset past its end, ...).
    case invalidRepair(String)

    public var description: String {
        switch self {
        case .system(let failure):
            return "lease log: \(failure)"
        case .syncFailed(let failure):
            return "lease log: \(failure); the log is now failed (fsync errors are not retryable), reopen it"
        case .logFailed(let cause):
            return "lease log is failed after an earlier error (\(cause)); reopen it to recover"
        case .closed(let directory):
            return "lease log in \(directory) is closed"
        case .invalidRecord(let reason):
            return "lease log: invalid record: \(reason)"
        case .corruptRecord(let segment, let offset, let reason):
            return "lease log: corrupt record in \(segment) at offset \(offset): \(reason); "
                + "records after it cannot be trusted. To discard them, repair the log at this segment and offset"
        case .corruptSegmentHeader(let segment, let reason):
            return "lease log: corrupt segment header in \(segment): \(reason)"
        case .missingRecords(let segment, let expected, let found):
            return "lease log: \(segment) starts at record \(found), expected \(expected): records are missing"
        case .corruptSnapshot(let path, let offset, let reason):
            return "lease log: corrupt holdings file \(path) at offset \(offset): \(reason)"
        case .pendingRecords(let count):
            return "lease log: \(count) appended records are not committed yet"
        case .invalidRepair(let reason):
            return "lease log: cannot repair: \(reason)"
        }
    }
}
