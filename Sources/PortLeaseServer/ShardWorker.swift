import Glibc
import LeaseEngine
import LeaseLog
import Logging
import PortLeaseWire
import Synchronization

/// One shard: drains its queue in batches, runs the engine on each query, appends
/// the batch's lease records to the shard's log with one group commit, and only
/// then sends the replies that grant or extend a lease. OFFERs and NAKs, which
/// promise nothing, go out with them in the same flush.
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
    /// Queries handled per batch at most (bounds the arena and the commit size).
    public let batchLimit: Int

    private let sink: any ReplySink
    private let counters: ServerCounters
    private let logger: Logger
    private var records: [LeaseRecord] = []
    /// The engine writes the DHCPv4 reply here.
    private let dhcpScratch: UnsafeMutableRawBufferPointer
    /// Whole replies that must wait for the commit: `batchLimit` slots.
    private let arena: UnsafeMutableRawBufferPointer
    private var arenaLengths: [Int]
    private var arenaOrigins: [DatagramOrigin]
    private var pendingCount = 0
    /// Replies sent at once (OFFER, NAK) are encoded here first.
    private let immediateScratch: UnsafeMutableRawBufferPointer
    private let stopping = Atomic<Bool>(false)
    /// Set when the log failed: the worker answers nothing more.
    public private(set) var fault: FatalFault?
    private var diskFull = false
    /// A configuration to apply before the next batch (SIGHUP reload).
    private let pendingConfiguration = Mutex<EngineConfiguration?>(nil)
    private var interfaceNames: [UInt32: String] = [:]
    private let resolveInterfaces: Bool
    private static let slotSize = 2048

    public init(
        shard: Int, engine: LeaseEngine, log: LeaseLog, queue: ShardQueue, sink: any ReplySink,
        counters: ServerCounters, logger: Logger, batchLimit: Int = 256
    ) {
        self.shard = shard
        self.engine = engine
        self.log = log
        self.queue = queue
        self.sink = sink
        self.counters = counters
        self.logger = logger
        self.batchLimit = batchLimit
        records.reserveCapacity(batchLimit * 2)
        dhcpScratch = .allocate(byteCount: Self.slotSize, alignment: 16)
        immediateScratch = .allocate(byteCount: Self.slotSize, alignment: 16)
        arena = .allocate(byteCount: Self.slotSize * batchLimit, alignment: 16)
        arenaLengths = Array(repeating: 0, count: batchLimit)
        arenaOrigins = Array(
            repeating: DatagramOrigin(
                source: .unspecified, sourcePort: 0, destination: .unspecified, interfaceIndex: 0, socketIndex: 0),
            count: batchLimit)
        resolveInterfaces = engine.configuration.pools.contains { !$0.match.interfaces.isEmpty }
    }

    deinit {
        dhcpScratch.deallocate()
        immediateScratch.deallocate()
        arena.deallocate()
    }

    /// Hands the worker a new engine configuration, applied before its next batch
    /// (on its own thread: the engine is never touched from another).
    public func reconfigure(_ configuration: EngineConfiguration) {
        pendingConfiguration.withLock { $0 = configuration }
        signal.wake()
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
        while !stopping.load(ordering: .sequentiallyConsistent) && fault == nil {
            if processBatch(now: SystemCalls.nowMilliseconds()) == 0 && fault == nil {
                signal.sleep(timeoutMilliseconds: sleepBudget()) { queue.depth > 0 }
            }
        }
        while fault == nil && processBatch(now: SystemCalls.nowMilliseconds()) > 0 {}
        return fault
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
        engine.expire(now: now, records: &records)
        let handled = queue.drain(limit: batchLimit) { payload, origin in
            handle(payload, origin: origin, now: now)
        }
        let durable = commitRecords()
        for index in 0..<pendingCount {
            if durable {
                let bytes = UnsafeRawBufferPointer(
                    start: arena.baseAddress! + index * Self.slotSize, count: arenaLengths[index])
                if !sink.enqueue(bytes, to: arenaOrigins[index]) { counters.countDrop(.replyFailed) }
            } else {
                counters.countDrop(.logCommitFailed)
                statistics.fields.add(ShardStatistics.Field.repliesDroppedAfterFailedCommit.rawValue)
            }
        }
        pendingCount = 0
        if handled > 0 || durable { sink.flush() }
        if handled > 0 { statistics.fields.add(ShardStatistics.Field.batches.rawValue) }
        statistics.publish(engine.counters)
        return handled
    }

    /// Appends and commits the batch's records, with any left pending by an earlier
    /// failed write. True when there was nothing to commit or the commit made them durable.
    private func commitRecords() -> Bool {
        guard !records.isEmpty || log.pendingCount > 0 else { return true }
        let started = SystemCalls.monotonicNanoseconds()
        let count = records.count + log.pendingCount
        do throws(LeaseLogError) {
            for record in records { _ = try log.append(record) }
            records.removeAll(keepingCapacity: true)
            _ = try log.commit()
        } catch {
            records.removeAll(keepingCapacity: true)
            statistics.fields.add(ShardStatistics.Field.commitFailures.rawValue)
            commitFailed(error, records: count)
            return false
        }
        let microseconds = Int((SystemCalls.monotonicNanoseconds() - started) / 1000)
        statistics.recordCommit(microseconds: microseconds, records: count)
        if diskFull {
            diskFull = false
            statistics.fields.store(ShardStatistics.Field.diskFull.rawValue, 0)
            logger.notice(
                "lease log has space again; ACKs are sent again",
                metadata: ["shard": "\(shard)", "records": "\(count)"])
        }
        return true
    }

    /// Out of space (`ENOSPC`, or `EDQUOT` for a quota): waited out, the ACKs withheld.
    static func isOutOfSpace(_ errno: Int32) -> Bool { errno == ENOSPC || errno == EDQUOT }

    /// A failed log, or any other failed system call (`EIO`, `EROFS`, ...: the device is
    /// failing, and a write error may report the loss of earlier, already written pages),
    /// ends the worker; a full disk is reported once per episode and waited out; anything
    /// else (a record the log refuses) is logged with the batch's grants withheld.
    private func commitFailed(_ error: LeaseLogError, records count: Int) {
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

    private func handle(_ payload: UnsafeRawBufferPointer, origin: DatagramOrigin, now: Int64) {
        let packet: DHCPv6Packet
        let query: DHCPv4QueryView
        let message: DHCPv4MessageView
        do throws(WireError) {
            packet = try DHCPv6Packet(parsing: payload)
            query = try DHCPv4QueryView(packet.message)
            message = try DHCPv4MessageView(parsing: query.dhcpv4Message)
        } catch {
            // The classifier already parsed it; a failure here means a bug, counted not trapped.
            counters.countDrop(.malformedDHCPv6)
            return
        }
        let engineQuery = EngineQuery(
            query: query, message: message, relays: packet.relays, source: origin.source,
            interface: resolveInterfaces ? interfaceName(origin.interfaceIndex) : nil)
        var dhcp = ByteWriter(dhcpScratch)
        let outcome = engine.handle(engineQuery, now: now, reply: &dhcp, records: &records)
        guard case .reply(_, let afterCommit) = outcome else { return }
        let target =
            afterCommit
            ? UnsafeMutableRawBufferPointer(
                rebasing: arena[(pendingCount * Self.slotSize)..<((pendingCount + 1) * Self.slotSize)])
            : immediateScratch
        var writer = ByteWriter(target)
        let body = dhcp.written
        do throws(WireError) {
            try writer.writeRelayReplies(mirroring: packet.relays) { (inner) throws(WireError) in
                try inner.writeDHCPv4Response { (dhcpv4) throws(WireError) in try dhcpv4.write(bytes: body) }
            }
        } catch {
            counters.countDrop(.replyFailed)
            return
        }
        if afterCommit {
            arenaLengths[pendingCount] = writer.position
            arenaOrigins[pendingCount] = origin
            pendingCount += 1
        } else if !sink.enqueue(writer.written, to: origin) {
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
