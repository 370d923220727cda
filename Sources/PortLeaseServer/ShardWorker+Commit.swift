import LeaseLog
import PortLeaseSystem
import PortLeaseTransport

/// The shard worker's group commit: writing a batch's records, syncing them (in line or
/// through the ``SyncRing``), and releasing the replies each sync makes durable. See
/// ``ShardWorker`` for the pipeline and the failure policy. Worker thread only.
extension ShardWorker {
    /// Appends the batch's records and writes them, with any left pending by an earlier failed
    /// write; tags the batch's held replies with the sequence number they wait for. A failed
    /// write withholds (drops and counts) the replies of the records it did not write.
    func writeRecords() {
        guard !records.isEmpty || log.pendingCount > 0 else {
            arena.tag(log.lastWritten)
            return
        }
        let count = records.count + log.pendingCount
        let started = SystemCalls.monotonicNanoseconds()
        do throws(LeaseLogError) {
            for record in records { _ = try log.append(record) }
            records.removeAll(keepingCapacity: true)
            arena.tag(log.lastAppended)
            try log.write(mayRotate: inFlight == nil)
        } catch {
            records.removeAll(keepingCapacity: true)
            statistics.fields.add(ShardStatistics.Field.commitFailures.rawValue)
            let dropped = arena.dropUnwritten(after: log.lastWritten)
            counters.countDrop(.logCommitFailed, dropped)
            statistics.fields.add(ShardStatistics.Field.repliesDroppedAfterFailedCommit.rawValue, dropped)
            commitFailed(error, records: count)
            return
        }
        if unsyncedRecords == 0 { unsyncedSince = started }
        unsyncedRecords += count
        if diskFull {
            diskFull = false
            statistics.fields.store(ShardStatistics.Field.diskFull.rawValue, 0)
            logger.notice(
                "lease log has space again; ACKs are sent again",
                metadata: ["shard": "\(shard)", "records": "\(count)"])
        }
    }

    /// Starts making what is written durable, unless a sync is in flight (the next one will
    /// cover it): through the ring, or in line (then its replies leave at once).
    func startSync(inLine: Bool = false) {
        guard fault == nil, inFlight == nil else { return }
        guard let (_, through) = log.unsynced else {
            // Nothing to wait for (`durability: none`, or no record): held replies may go.
            releaseDurable()
            return
        }
        let pending = (through: through, started: unsyncedSince, records: unsyncedRecords)
        unsyncedRecords = 0
        guard let syncs, !inLine else {
            do throws(LeaseLogError) {
                try log.syncWritten()
            } catch {
                syncFailed(error, records: pending.records)
                return
            }
            synced(pending)
            return
        }
        let request: LeaseLog.SyncRequest
        do throws(LeaseLogError) {
            guard let begun = try log.beginSync() else { return }
            request = begun.request
        } catch {
            syncFailed(error, records: pending.records)
            return
        }
        do throws(TransportError) {
            switch request {
            case .dataSync(let descriptor):
                try syncs.submitDataSync(descriptor, token: through)
            case .durableWrite(let descriptor, let bytes, let offset):
                try syncs.submitDurableWrite(descriptor, bytes, at: offset, token: through)
            }
            inFlight = pending
        } catch {
            // Fatal: the records are in a request the kernel may or may not hold (the log fails).
            let failure = SystemCallFailure("io_uring sync submit", path: log.directory, code: .ioError)
            log.abandonSync(failure)
            syncFailed(.syncFailed(failure), records: pending.records)
        }
    }

    /// Reaps the sync in flight if it has finished (or, with `wait`, once it has): marks its
    /// records durable and queues the replies they held for the next flush. The next sync is
    /// the caller's to start, so that it also covers the batch about to be written: one
    /// `fdatasync` for as many batches as the disk's latency spans.
    func reapSync(wait: Bool) {
        guard let pending = inFlight, let syncs else { return }
        let finished: (token: UInt64, result: Int32)?
        do throws(TransportError) {
            finished = try syncs.completion(wait: wait)
        } catch {
            finished = (pending.through, -5)  // the ring failed: treat as EIO
        }
        guard let finished else { return }
        inFlight = nil
        do throws(LeaseLogError) {
            // One sync is in flight at a time: a completion for another is the ring gone wrong.
            // Reported as that sync failing (EIO), which fails the log.
            try log.completeSync(
                through: pending.through, result: finished.token == pending.through ? finished.result : -5)
        } catch {
            syncFailed(error, records: pending.records)
            return
        }
        synced(pending)
    }

    /// A sync ended well: its latency is recorded and the replies it held leave.
    func synced(_ pending: (through: UInt64, started: UInt64, records: Int)) {
        let microseconds = Int((SystemCalls.monotonicNanoseconds() - pending.started) / 1000)
        statistics.recordCommit(microseconds: microseconds, records: pending.records)
        releaseDurable()
    }

    func releaseDurable() {
        let previous = statistics.committedSequence.exchange(log.lastCommitted, ordering: .acquiringAndReleasing)
        if previous != log.lastCommitted { commits?.committed() }  // log readers: only when there is more
        if !changesAwaitingCommit.isEmpty {
            // In the order they were written, so the durable ones are a prefix (walked in place:
            // no array per commit).
            let committed = log.lastCommitted
            var done = 0
            while done < changesAwaitingCommit.count && changesAwaitingCommit[done].through <= committed {
                changesAwaitingCommit[done].call(true)
                done += 1
            }
            changesAwaitingCommit.removeFirst(done)
        }
        let through = min(log.lastCommitted, partnerGate?.through(shard) ?? .max)
        arena.release(through: through) { bytes, origin in
            if !sink.enqueue(borrowing: bytes, to: origin) { counters.countDrop(.replyFailed) }
        }
    }

    /// Sends every queued reply; their arena slots are free again once the sink has.
    func flushReplies() {
        sink.flush()
        arena.flushed()
    }
}
