import Foundation
import LeaseEngine
import LeaseLog
import Logging
import PortLeaseServer
import PortLeaseTestSupport
import PortLeaseWire
import Testing

@Suite struct ShardWorkerTests {
    func makeWorker(_ directory: String, fileSystem: (any LogFileSystem)? = nil) throws -> (ShardWorker, CollectingSink)
    {
        let engine = try LeaseEngine.makeShards(ServerFixtures.engineConfiguration(), count: 1)[0]
        var options = LeaseLog.Options()
        if let fileSystem { options.fileSystem = fileSystem }
        let log = try LeaseLog(directory: directory, options: options)
        let sink = CollectingSink()
        let worker = ShardWorker(
            shard: 0, engine: engine, log: log, queue: ShardQueue(capacity: 64), sink: sink,
            counters: ServerCounters(), logger: Logger(label: "test"))
        return (worker, sink)
    }

    /// A DISCOVER answered by `worker`, then `fault` switched on in `fileSystem`, then the REQUEST
    /// for that offer handled 100 ms later: the failure-policy tests' common start. Returns the offer.
    @discardableResult
    func requestWithFault(
        _ worker: ShardWorker, _ sink: CollectingSink, _ fileSystem: FaultyFileSystem, client: WireClient,
        fault: (inout FaultyFileSystem.Faults) -> Void
    ) throws -> DHCPv4Message {
        _ = client.datagram(client.dhcpv4(.discover)).withUnsafeBytes {
            worker.queue.enqueue($0, origin: client.origin)
        }
        worker.processBatch(now: 1_800_000_000_000)
        let offer = try decodeReply(sink.sent[0].bytes).message
        fileSystem.faults.withLock { fault(&$0) }
        let request = client.dhcpv4(
            .request, requested: offer.header.yiaddr, serverIdentifier: ServerFixtures.serverID,
            portParams: offer.option(.portParams))
        _ = client.datagram(request).withUnsafeBytes { worker.queue.enqueue($0, origin: client.origin) }
        worker.processBatch(now: 1_800_000_000_100)
        return offer
    }

    @Test func doraThroughTheWorkerSendsTheAckOnlyAfterTheRecordIsDurable() throws {
        try withTemporaryDirectory { directory in
            let (worker, sink) = try makeWorker(directory)
            let client = WireClient(number: 1)
            let now: Int64 = 1_800_000_000_000
            #expect(
                client.datagram(client.dhcpv4(.discover), relayed: true).withUnsafeBytes {
                    worker.queue.enqueue($0, origin: client.origin)
                })
            #expect(worker.processBatch(now: now) == 1)
            let offer = try decodeReply(try #require(sink.sent.first).bytes)
            #expect(offer.message.messageType == .offer)
            #expect(offer.relayDepth == 1, "the reply retraces the relay")
            #expect(sink.sent.first?.origin == client.origin, "back to the query's source address and port")
            #expect(worker.log.lastCommitted == 0, "an offer writes nothing")

            let request = client.dhcpv4(
                .request, requested: offer.message.header.yiaddr, serverIdentifier: ServerFixtures.serverID,
                portParams: offer.message.option(.portParams))
            _ = client.datagram(request).withUnsafeBytes { worker.queue.enqueue($0, origin: client.origin) }
            worker.processBatch(now: now + 10)
            let ack = try decodeReply(sink.sent[1].bytes)
            #expect(ack.message.messageType == .ack)
            #expect(worker.log.lastCommitted == 1)
            #expect(worker.statistics.commits == 1)
            var replayed: [LeaseRecord] = []
            _ = try LeaseLog.recover(directory: directory) { replayed.append($0.record) }
            #expect(replayed.map(\.event) == [.bind])
            #expect(replayed.first?.address == ack.message.header.yiaddr)
        }
    }

    @Test func aFailedCommitWithholdsTheAck() throws {
        try withTemporaryDirectory { directory in
            let fileSystem = FaultyFileSystem()
            let (worker, sink) = try makeWorker(directory, fileSystem: fileSystem)
            try requestWithFault(worker, sink, fileSystem, client: WireClient(number: 2)) { $0.syncErrno = EIO }
            #expect(sink.sent.count == 1, "no ACK went out")
            #expect(worker.statistics[.commitFailures] == 1)
            #expect(worker.statistics[.repliesDroppedAfterFailedCommit] == 1)
        }
    }

    /// Failure policy: a write that fails with ENOSPC withholds the ACK and sets the disk-full
    /// gauge; once writes succeed again the next batch (even an empty one) commits the pending
    /// record, the gauge clears, and the client's retried REQUEST is ACKed.
    @Test func aFullDiskWithholdsTheAckAndServiceResumesOnItsOwn() throws {
        try withTemporaryDirectory { directory in
            let fileSystem = FaultyFileSystem()
            let (worker, sink) = try makeWorker(directory, fileSystem: fileSystem)
            let client = WireClient(number: 3)
            let now: Int64 = 1_800_000_000_000
            _ = client.datagram(client.dhcpv4(.discover)).withUnsafeBytes {
                worker.queue.enqueue($0, origin: client.origin)
            }
            worker.processBatch(now: now)
            let offer = try decodeReply(sink.sent[0].bytes)
            let request = client.dhcpv4(
                .request, requested: offer.message.header.yiaddr, serverIdentifier: ServerFixtures.serverID,
                portParams: offer.message.option(.portParams))
            fileSystem.faults.withLock { $0.writeErrno = ENOSPC }
            _ = client.datagram(request).withUnsafeBytes { worker.queue.enqueue($0, origin: client.origin) }
            worker.processBatch(now: now + 100)
            #expect(sink.sent.count == 1, "no ACK while the disk is full")
            #expect(worker.statistics[.diskFull] == 1)
            #expect(worker.statistics[.repliesDroppedAfterFailedCommit] == 1)
            #expect(worker.fault == nil, "a full disk is not fatal")
            #expect(worker.log.pendingCount == 1, "the record waits in the log's batch")

            fileSystem.faults.withLock { $0.writeErrno = nil }
            #expect(worker.processBatch(now: now + 200) == 0)
            #expect(worker.statistics[.diskFull] == 0)
            #expect(worker.log.lastCommitted == 1, "the withheld grant's record is durable now")
            _ = client.datagram(request).withUnsafeBytes { worker.queue.enqueue($0, origin: client.origin) }
            worker.processBatch(now: now + 300)
            #expect(try decodeReply(try #require(sink.sent.last).bytes).message.messageType == .ack)
            var replayed: [LeaseRecord] = []
            _ = try LeaseLog.recover(directory: directory) { replayed.append($0.record) }
            #expect(replayed.first?.event == .bind)
            #expect(replayed.first?.address == offer.message.header.yiaddr)
        }
    }

    /// Failure policy: a failed fdatasync is fatal. The worker records the fault (exit
    /// status 74, naming the shard and the errno), answers nothing more, and `run()`
    /// returns the fault at once.
    @Test func aFailedSyncEndsTheWorkerWithTheLeaseLogStatus() throws {
        try withTemporaryDirectory { directory in
            let fileSystem = FaultyFileSystem()
            let (worker, sink) = try makeWorker(directory, fileSystem: fileSystem)
            try requestWithFault(worker, sink, fileSystem, client: WireClient(number: 4)) { $0.syncErrno = EIO }
            let fault = try #require(worker.fault)
            #expect(fault.status == .leaseLogFailed)
            #expect(fault.status.rawValue == 74)
            #expect(fault.part == "shard-0")
            #expect(fault.reason.contains("fdatasync") && fault.reason.contains("errno \(EIO)"), "\(fault.reason)")

            let other = WireClient(number: 5)
            _ = other.datagram(other.dhcpv4(.discover)).withUnsafeBytes {
                worker.queue.enqueue($0, origin: other.origin)
            }
            #expect(worker.run()?.status == .leaseLogFailed, "run() returns the fault without waiting for stop()")
            #expect(sink.sent.count == 1, "no OFFER after the failure")
        }
    }

    /// Failure policy: a write that fails for another reason than space (EIO: the device is
    /// failing) is as fatal as a failed sync, though the log itself is still usable.
    @Test func aWriteFailingWithEIOEndsTheWorkerToo() throws {
        try withTemporaryDirectory { directory in
            let fileSystem = FaultyFileSystem()
            let (worker, sink) = try makeWorker(directory, fileSystem: fileSystem)
            try requestWithFault(worker, sink, fileSystem, client: WireClient(number: 6)) { $0.writeErrno = EIO }
            #expect(worker.log.failure == nil, "the log cut the write back and is usable")
            let fault = try #require(worker.fault)
            #expect(fault.status == .leaseLogFailed)
            #expect(fault.reason.contains("write") && fault.reason.contains("errno \(EIO)"), "\(fault.reason)")
            #expect(worker.statistics[.diskFull] == 0)
            #expect(sink.sent.count == 1)
        }
    }

    @Test func aFullQueueDropsAndCounts() {
        let queue = ShardQueue(capacity: 2, slotSize: 16)
        let origin = WireClient(number: 1).origin
        let bytes: [UInt8] = [1, 2, 3]
        let results = (0..<3).map { _ in bytes.withUnsafeBytes { queue.enqueue($0, origin: origin) } }
        #expect(results == [true, true, false])
        #expect(queue.drops(.queueFull) == 1)
        let tooBig = [UInt8](repeating: 0, count: 17)
        #expect(!tooBig.withUnsafeBytes { queue.enqueue($0, origin: origin) })
        var seen: [[UInt8]] = []
        #expect(queue.drain(limit: 10) { payload, _ in seen.append(Array(payload)) } == 2)
        #expect(seen == [bytes, bytes])
        #expect(queue.depth == 0)
    }
}
