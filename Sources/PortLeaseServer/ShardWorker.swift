import Glibc
import LeaseEngine
import LeaseLog
import Logging
import PortLeaseSystem
import PortLeaseTransport
import PortLeaseWire
import Synchronization

/// One shard: drains its queue in batches, runs the engine on each query, appends
/// the batch's lease records to the shard's log with one group commit, and only
/// then sends the replies that grant or extend a lease. OFFERs and NAKs, which
/// promise nothing, go out at the end of the batch that decided them.
///
/// With a ``SyncRing`` the commit is pipelined when there is work to overlap: once a full
/// group is written and more queries wait, its `fdatasync` goes to the ring and the worker
/// decides and writes the next batch while it runs; with an empty queue it syncs in line
/// (nothing to overlap; ARCHITECTURE.md has the measurements). The held replies
/// (``ReplyArena``) leave, in order, as soon as the sync covering them completes. One sync
/// is in flight at a time; the next covers everything written meanwhile. Without a ring
/// the worker writes and syncs in line (tests, `durability: none`).
/// An OFFER sent before its batch is durable relies only on engine state (the port set
/// held for the client), never on the log: if a later sync fails, the server stops (status
/// 74) and the restarted engine is rebuilt from what the disk holds, so nothing an
/// undurable record implied survives to contradict it.
///
/// Owns its engine, its log and its scratch memory (allocated once); touched only
/// from its own thread, except ``stop()`` and the published statistics.
///
/// Failure policy (`Docs/LeaseLog.md`, "Failure policy"): a commit that fails for lack of
/// space (`ENOSPC`, `EDQUOT`) withholds the batch's ACKs, counts them, sets the shard's
/// disk-full gauge and retries the pending records every batch until they are written. A
/// failed log (an `fdatasync` error) or any other failed system call (`EIO`, `EROFS`, ...)
/// is fatal: ``run()`` returns a ``FatalFault`` at once and the server exits with status
/// 74, because after such an error the page cache and the device cannot be trusted.
public final class ShardWorker: @unchecked Sendable {
    public let shard: Int
    public let engine: LeaseEngine
    public let log: LeaseLog
    public let queue: ShardQueue
    public let signal = WorkerSignal()
    public let statistics = ShardStatistics()
    /// The control API's requests, answered between batches (``submit(_:)``).
    public let control = ControlQueue()
    /// Every worker of the server, this one included (``connect(_:)``): where handovers go.
    var peers: [Peer] = []
    /// Completions of control-plane changes run in the batch being handled.
    private var changesInBatch: [ControlQueue.Completion] = []
    /// Completions of changes whose records are written, with the sequence they wait for.
    var changesAwaitingCommit: [ControlQueue.Completion] = []
    /// Queries handled per batch at most (bounds the arena and the commit size).
    public let batchLimit: Int

    let sink: any ReplySink
    let counters: ServerCounters
    let logger: Logger
    var records: [LeaseRecord] = []
    /// Where replies are written, held until durable, and sent from: three batches' worth
    /// (two held, one lent to the send ring).
    let arena: ReplyArena
    /// The pipelined commit's ring; nil: write and sync in line.
    let syncs: SyncRing?
    /// The sync in flight: the sequence number it covers, when the oldest write it covers
    /// started (monotonic ns) and how many records it covers.
    var inFlight: (through: UInt64, started: UInt64, records: Int)?
    /// Records written since the last sync was submitted, and when the first was written.
    var unsyncedRecords = 0
    var unsyncedSince: UInt64 = 0
    private let stopping = Atomic<Bool>(false)
    /// Set when the log failed: the worker answers nothing more.
    public internal(set) var fault: FatalFault?
    var diskFull = false
    /// A configuration to apply before the next batch (SIGHUP reload).
    private let pendingConfiguration = Mutex<EngineConfiguration?>(nil)
    /// The standby's acknowledgement replies also wait for (synchronous replication); nil: none.
    let partnerGate: PartnerGate?
    /// Told of each completed commit (the replication sender waits on it).
    let commits: CommitSignal?
    /// Set by a batch that took no query because the arena is full of replies waiting for the
    /// standby: the worker then sleeps until the gate moves or a control job comes.
    private var waitingForPartner = false
    /// How long a query may have waited before it is shed instead of answered.
    private let queueDelayBudget: QueueDelayBudget
    /// ``InjectedFault/slowWorker``: each batch that handled queries takes longer (tests only).
    private let slowBatches: Bool
    /// ``longestHold``, or ``longestHoldWithPartner`` with a partner gate.
    private var longestHold: UInt64 { partnerGate == nil ? Self.longestHold : Self.longestHoldWithPartner }
    /// When the batch in hand started (monotonic ns): queue delays are measured to it.
    private var batchStarted: UInt64 = 0
    private var interfaceNames: [UInt32: String] = [:]
    private let resolveInterfaces: Bool
    /// The workers' nice value. The receive thread (nice 0) must keep up with the socket even
    /// when the workers cannot keep up with it: it alone tells a renewal from a DISCOVER, so
    /// what the kernel drops for want of a reader is dropped blind, renewals with DISCOVERs.
    /// Measured under a storm at twice a CPU-capped server's saturation (RESULTS.md, issue 17).
    static let niceness: Int32 = 5

    /// The longest a written record waits for its sync to start while queries keep coming (ns):
    /// about two and a half durable writes on this project's machines. It was 1 ms while a sync
    /// was a `write` and an `fdatasync`; with direct writes 250 us came out ahead in 5 of 6
    /// interleaved pairs (RESULTS.md, issue 13, "direct writes").
    static let longestHold: UInt64 = 250_000
    /// The same for a worker whose replies also wait for a standby (synchronous replication):
    /// their ACKs wait a link round trip anyway, and larger groups cost both partners less.
    /// Measured, 250 us there lost 3 of 3 interleaved pairs to 1 ms (48.9-49.1% of the
    /// standalone rate against 51.3-53.4%).
    static let longestHoldWithPartner: UInt64 = 1_000_000

    /// A worker for `shard`. With `syncs`, commits are pipelined through it (see above).
    public init(
        shard: Int, engine: LeaseEngine, log: LeaseLog, queue: ShardQueue, sink: any ReplySink,
        counters: ServerCounters, logger: Logger, batchLimit: Int = 256, syncs: SyncRing? = nil,
        queueDelayBudget: QueueDelayBudget = QueueDelayBudget(), slowBatches: Bool = false,
        partnerGate: PartnerGate? = nil, commits: CommitSignal? = nil
    ) {
        self.partnerGate = partnerGate
        self.commits = commits
        self.queueDelayBudget = queueDelayBudget
        self.slowBatches = slowBatches
        self.shard = shard
        self.engine = engine
        self.log = log
        self.queue = queue
        self.sink = sink
        self.counters = counters
        self.logger = logger
        self.batchLimit = batchLimit
        records.reserveCapacity(batchLimit * 2)
        arena = ReplyArena(capacity: 3 * batchLimit)
        self.syncs = syncs
        resolveInterfaces = engine.configuration.pools.contains { !$0.match.interfaces.isEmpty }
    }

    /// Hands the worker a new engine configuration, applied before its next batch
    /// (on its own thread: the engine is never touched from another).
    public func reconfigure(_ configuration: EngineConfiguration) {
        pendingConfiguration.withLock { $0 = configuration }
        signal.wake()
    }

    /// Queues a control-plane change for this worker's engine and wakes the worker; false when
    /// the queue is full or the worker has ended (``ControlQueue``).
    public func submitChange(_ change: ControlQueue.Change) -> Bool {
        guard control.submitChange(change) else { return false }
        signal.notify()
        return true
    }

    /// Queues a control-plane `job` for this worker's engine and wakes the worker; false when
    /// the queue is full or the worker has ended (``ControlQueue``).
    public func submit(_ job: @escaping ControlQueue.Job) -> Bool {
        guard control.submit(job) else { return false }
        signal.notify()  // only if asleep: its sleep re-checks `control.hasJobs` after announcing it
        return true
    }

    /// Asks ``run()`` to finish the batch in hand, commit, and return.
    public func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        signal.wake()
    }

    /// The worker's thread body: batches until stopped, sleeping when idle (at most
    /// until the engine's next deadline, so expiry runs on time), then drains what
    /// is left in the queue before returning nil. Returns the fault at once if the
    /// shard's log fails.
    @discardableResult
    public func run() -> FatalFault? {
        statistics.committedSequence.store(log.lastCommitted, ordering: .releasing)
        ThreadPriority.lowerCurrentThread(to: Self.niceness)
        while !stopping.load(ordering: .sequentiallyConsistent) && fault == nil {
            if processBatch(now: SystemCalls.nowMilliseconds()) == 0 && fault == nil {
                if inFlight != nil || log.unsynced != nil {
                    // Nothing to decide: the held replies are next, then a sync of what
                    // was written meanwhile.
                    reapSync(wait: true)
                    startSync(inLine: true)
                    flushReplies()
                } else {
                    let generation = partnerGate?.generation
                    signal.sleep(timeoutMilliseconds: sleepBudget()) {
                        (queue.depth > 0 && !waitingForPartner) || control.hasJobs
                            || partnerGate?.generation != generation
                    }
                }
            }
        }
        while fault == nil && processBatch(now: SystemCalls.nowMilliseconds()) > 0 {}
        finishSyncs()
        control.close(engine)
        // Changes whose records never became durable (a failed log): their callers hear so.
        (changesInBatch + changesAwaitingCommit).forEach { $0.call(false) }
        changesInBatch.removeAll()
        changesAwaitingCommit.removeAll()
        return fault
    }

    /// Waits until everything written is durable and its replies are sent (shutdown, tests).
    public func finishSyncs() {
        while fault == nil && (inFlight != nil || log.unsynced != nil) {
            if inFlight != nil { reapSync(wait: true) } else { startSync() }
        }
        flushReplies()
    }

    private func sleepBudget() -> Int32 {
        guard let deadline = engine.nextDeadline else { return 1000 }
        return Int32(clamping: max(1, min(1000, deadline - SystemCalls.nowMilliseconds())))
    }

    /// One batch: expiry, up to ``batchLimit`` queries, one commit, one send flush.
    /// Returns the number of queries handled. Public so tests can drive a worker
    /// without its thread.
    @discardableResult
    public func processBatch(now: Int64) -> Int {
        guard fault == nil else { return 0 }
        if let configuration = pendingConfiguration.withLock({ pending in
            defer { pending = nil }; return pending
        }) {
            do throws(EngineError) {
                try engine.reconfigure(configuration)
                logger.info("configuration applied", metadata: ["shard": "\(shard)"])
            } catch {
                logger.error("configuration not applied", metadata: ["shard": "\(shard)", "reason": "\(error)"])
            }
        }
        control.run(limit: 8, engine, records: &records, changed: &changesInBatch)
        reapSync(wait: false)
        // The standby may have acknowledged replies held for it since the last batch.
        if partnerGate != nil { releaseDurable() }
        // The arena must have room for a whole batch of replies: send what was released, and
        // make what it holds durable (wait for the sync in flight, or start one) until it has.
        while fault == nil && arena.room < batchLimit {
            if arena.lentCount > 0 {
                flushReplies()
            } else if inFlight != nil {
                reapSync(wait: true)
            } else if log.unsynced != nil {
                startSync()
            } else {
                releaseDurable()
                guard arena.lentCount > 0 else { break }
            }
        }
        guard fault == nil else { return 0 }
        engine.expire(now: now, records: &records)
        batchStarted = SystemCalls.monotonicNanoseconds()
        // Replies durable here may still wait for the standby's acknowledgement, filling the
        // arena: then no query is taken, but control jobs (a partner's records to apply) and
        // commits go on, so that two instances each waiting for the other never stop both.
        waitingForPartner = partnerGate != nil && arena.room < batchLimit
        let handled =
            waitingForPartner
            ? 0
            : queue.drainQueries(limit: batchLimit) { payload, parsed, origin, received, lane in
                handle(payload, parsed: parsed, origin: origin, now: now, received: received, lane: lane)
            }
        writeRecords()
        sendHandovers()
        if !changesInBatch.isEmpty {
            // Their records are in this batch's write: they are durable when it is.
            for var change in changesInBatch {
                change.through = log.lastAppended
                changesAwaitingCommit.append(change)
            }
            changesInBatch.removeAll(keepingCapacity: true)
        }
        if slowBatches && handled > 0 {
            usleep(useconds_t(InjectedFault.slowBatchMilliseconds * 1000))
        }
        // Through the ring, a sync waits for a quiet moment, a full group, or the group's
        // oldest record waiting ``longestHold``: syncing after every batch made smaller groups
        // than blocking in `fdatasync` did (14 records a sync against 17, measured), and each
        // sync costs a kernel worker's wake-up; but under a flood of DISCOVERs (which write
        // nothing) the queue never empties and a few renewals would never fill a group.
        if queue.depth == 0 {
            startSync(inLine: true)  // nothing to overlap it with: no kernel worker's wake-up
        } else if unsyncedRecords >= batchLimit
            || (unsyncedRecords > 0 && SystemCalls.monotonicNanoseconds() - unsyncedSince >= longestHold)
        {
            startSync()
        }
        flushReplies()
        if handled > 0 { statistics.fields.add(ShardStatistics.Field.batches.rawValue) }
        statistics.fields.store(ShardStatistics.Field.directWrites.rawValue, log.writesDirectly ? 1 : 0)
        statistics.publish(engine.counters)
        return handled
    }

    private func handle(
        _ payload: UnsafeRawBufferPointer, parsed: borrowing QueuedQuery?, origin: DatagramOrigin, now: Int64,
        received: UInt64, lane: ShardQueue.Lane
    ) {
        // Judged before anything else: shedding a stale query costs a comparison.
        let waited = batchStarted > received ? batchStarted - received : 0
        statistics.recordQueueDelay(nanoseconds: waited)
        if let reason = queueDelayBudget.shed(waited: waited, lane: lane) {
            counters.countDrop(reason)
            return
        }
        // The classifier's parse, moved into the queue slot; bytes queued unparsed (tests) are parsed here.
        guard let queued = copy parsed ?? QueuedQuery(payload) else {
            // The classifier already parsed it; a failure here means a bug, counted not trapped.
            counters.countDrop(.malformedDHCPv6)
            return
        }
        // Room for a batch is made before it starts (processBatch), so there is a slot.
        guard let target = arena.nextSlot() else {
            counters.countDrop(.replyFailed)
            return
        }
        let (outcome, length) = queued.answer(
            with: engine, source: origin.source,
            interface: resolveInterfaces ? interfaceName(origin.interfaceIndex) : nil, now: now, records: &records,
            into: target)
        guard case .reply(_, let afterCommit) = outcome else { return }
        guard let length else {
            counters.countDrop(.replyFailed)
            return
        }
        if afterCommit {
            arena.keep(length: length, origin: origin)
        } else if !sink.enqueue(borrowing: arena.lend(length: length), to: origin) {
            counters.countDrop(.replyFailed)
        }
    }

    private func interfaceName(_ index: UInt32) -> String? {
        if let name = interfaceNames[index] { return name }
        guard let name = SystemCalls.interfaceName(index) else { return nil }
        interfaceNames[index] = name
        return name
    }
}
