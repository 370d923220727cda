import PortLeaseSystem
import SystemPackage

/// The second half of a commit: making what ``LeaseLog/write(mayRotate:)`` wrote durable, in
/// line (``syncWritten()``) or pipelined through a shard worker's io_uring (``beginSync()``,
/// then ``completeSync(through:result:)``). A segment written through the page cache is made
/// durable by an `fdatasync`; a direct one (``Options/directWrites``) by one write with
/// `RWF_DSYNC` of the records held since the last (`DirectAppender`).
extension LeaseLog {
    /// What a sync must cover now: the current segment's descriptor and the last sequence
    /// number written to it; nil when everything written is durable. The descriptor stays
    /// open until a ``write(mayRotate:)`` that may rotate.
    public var unsynced: (descriptor: Int32, through: UInt64)? {
        guard lastWritten > lastCommitted, segmentDescriptor >= 0 else { return nil }
        return (segmentDescriptor, lastWritten)
    }

    /// How a pipelined commit makes what is written durable (``beginSync()``).
    public enum SyncRequest {
        /// `fdatasync` of the segment (written through the page cache).
        case dataSync(descriptor: Int32)
        /// One write of `bytes` at `offset` with `RWF_DSYNC` (a direct segment): durable when
        /// it completes. The memory is the log's, untouched until ``completeSync(through:result:)``.
        case durableWrite(descriptor: Int32, bytes: UnsafeRawBufferPointer, offset: Int)
    }

    /// Starts a pipelined commit of everything written: returns the request to submit (through
    /// an io_uring) and the sequence number it covers, or nil when everything written is
    /// durable. Its end is reported with ``completeSync(through:result:)``; until then no other
    /// sync may start, and ``write(mayRotate:)`` must not rotate.
    public func beginSync() throws(LeaseLogError) -> (request: SyncRequest, through: UInt64)? {
        try checkUsable()
        guard let (descriptor, through) = unsynced else { return nil }
        guard let direct, direct.isAttached else { return (.dataSync(descriptor: descriptor), through) }
        let write = try direct.prepare(fileSystem: fileSystem)
        return (.durableWrite(descriptor: direct.descriptor, bytes: write.bytes, offset: write.offset), through)
    }

    /// A sync ``beginSync()`` returned could not be handed to the kernel (a failed io_uring
    /// submit): the log fails, as after a failed `fdatasync`. A direct segment's records were
    /// moved into the write that never left, and the ring may still hold the request, so
    /// neither a retry nor the next sync could be trusted to write them.
    public func abandonSync(_ failure: SystemCallFailure) {
        markFailed(.syncFailed(failure))
    }

    /// Makes everything written durable now (`fdatasync` of the segment, or one durable write
    /// of a direct one), and returns the last committed sequence number. A failure marks the
    /// log failed, as in ``commit()``. Not with a ``beginSync()`` in flight.
    @discardableResult
    public func syncWritten() throws(LeaseLogError) -> UInt64 {
        try checkUsable()
        guard let (descriptor, through) = unsynced else { return lastCommitted }
        do throws(LeaseLogError) {
            if let direct, direct.isAttached {
                let write = try direct.prepare(fileSystem: fileSystem)
                try fileSystem.writeDirect(
                    direct.descriptor, write.bytes, at: write.offset, durable: true, path: segmentPath)
                _ = direct.complete(written: write.bytes.count)
            } else {
                try fileSystem.syncData(descriptor, path: segmentPath)
            }
        } catch {
            markFailed(error)
            throw error
        }
        lastCommitted = max(lastCommitted, through)
        return lastCommitted
    }

    /// A pipelined commit's second half: the request ``beginSync()`` returned with `through`
    /// has ended with `result` (a negated `errno` as io_uring reports it; otherwise 0 for a
    /// data sync, the bytes written for a durable write, which must be all of them). Returns
    /// the last committed sequence number; a failure marks the log failed and throws
    /// `.syncFailed`, as in ``commit()``. On a direct segment with no write in flight it
    /// commits nothing.
    @discardableResult
    public func completeSync(through: UInt64, result: Int32) throws(LeaseLogError) -> UInt64 {
        try checkUsable()
        let durableWrite = direct?.inFlight != nil
        // A direct segment's records are durable only by the write ``beginSync()`` prepared.
        if !durableWrite, let direct, direct.isAttached { return lastCommitted }
        // A durable write reports the bytes it wrote: all of them, or it failed.
        guard result >= 0, !durableWrite || direct?.complete(written: Int(result)) == true else {
            let code = result < 0 ? Errno(rawValue: -result) : .ioError
            let error = LeaseLogError.syncFailed(
                SystemCallFailure(durableWrite ? "pwrite RWF_DSYNC" : "fdatasync", path: segmentPath, code: code))
            markFailed(error)
            throw error
        }
        lastCommitted = max(lastCommitted, min(through, lastWritten))
        return lastCommitted
    }
}
