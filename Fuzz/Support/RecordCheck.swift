import LeaseLog

/// Checks that the lease log accepts a record, as a shard worker's commit would: appends it
/// to a real ``LeaseLog`` (whose `append` validates and encodes it) and discards the batch,
/// so nothing is ever written. One log per process, in a scratch directory.
public final class RecordCheck {
    private let log: LeaseLog

    public init() {
        let directory = ScratchDirectory.make("records")
        do throws(LeaseLogError) {
            log = try LeaseLog(directory: directory, options: LeaseLog.Options(durability: .none))
        } catch {
            fatalError("cannot open the scratch lease log in \(directory): \(error)")
        }
    }

    /// Traps when the log refuses `record`: the worker's commit would fail and withhold the
    /// batch's ACKs, so the engine must never produce such a record.
    public func check(_ record: LeaseRecord) {
        do throws(LeaseLogError) {
            _ = try log.append(record)
        } catch {
            fatalError("the lease log refuses a record the engine produced: \(error); record \(record)")
        }
        log.discardPending()
    }
}
