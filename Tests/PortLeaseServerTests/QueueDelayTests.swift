import Foundation
import LeaseEngine
import LeaseLog
import Logging
import PortLeaseSystem
import PortLeaseWire
import Testing

@testable import PortLeaseServer

/// Shedding by queueing delay (issue 17): stale queries are dropped and counted, DISCOVERs
/// first; the rest is answered. Receive times are injected.
@Suite struct QueueDelayTests {
    static let millisecond: UInt64 = 1_000_000

    func makeWorker(_ directory: String, batchLimit: Int = 256) throws -> (ShardWorker, CollectingSink, ServerCounters)
    {
        let engine = try LeaseEngine.makeShards(ServerFixtures.engineConfiguration(), count: 1)[0]
        let log = try LeaseLog(directory: directory)
        let sink = CollectingSink()
        let counters = ServerCounters()
        let worker = ShardWorker(
            shard: 0, engine: engine, log: log, queue: ShardQueue(capacity: 64), sink: sink, counters: counters,
            logger: Logger(label: "test"), batchLimit: batchLimit,
            queueDelayBudget: QueueDelayBudget(milliseconds: 1000))
        return (worker, sink, counters)
    }

    /// Queues `message` from `client` as the receive thread does, as if it had arrived `age` ago.
    func enqueue(_ worker: ShardWorker, _ client: WireClient, _ message: DHCPv4Message, age: UInt64) {
        client.admit(message, to: worker.queue, age: age)
    }

    /// A fresh DORA for `client` (the worker's first), to have a lease to renew: the OFFER
    /// and its option 159.
    func bind(_ client: WireClient, _ worker: ShardWorker, _ sink: CollectingSink, now: Int64) throws
        -> (DHCPv4Message, [UInt8]?)
    {
        enqueue(worker, client, client.dhcpv4(.discover), age: 0)
        worker.processBatch(now: now)
        let offer = try decodeReply(sink.sent[0].bytes).message
        let params = offer.option(.portParams)
        enqueue(
            worker, client,
            client.dhcpv4(
                .request, requested: offer.header.yiaddr, serverIdentifier: ServerFixtures.serverID,
                portParams: params), age: 0)
        worker.processBatch(now: now)
        return (offer, params)
    }

    @Test func aDiscoverIsShedAtHalfTheBudgetAndARequestAtTheWholeBudget() throws {
        try withTemporaryDirectory { directory in
            let (worker, sink, counters) = try makeWorker(directory)
            let now: Int64 = 1_800_000_000_000
            // A fresh DORA for client 1, to have a lease to renew.
            let bound = WireClient(number: 1)
            let (offer, params) = try bind(bound, worker, sink, now: now)
            #expect(sink.sent.count == 2)

            // 600 ms old: a new client's DISCOVER is shed; the bound client's renewal is answered.
            let newcomer = WireClient(number: 2)
            enqueue(worker, newcomer, newcomer.dhcpv4(.discover), age: 600 * Self.millisecond)
            enqueue(
                worker, bound, bound.dhcpv4(.request, ciaddr: offer.header.yiaddr, portParams: params),
                age: 600 * Self.millisecond)
            worker.processBatch(now: now + 1000)
            #expect(counters.drops(.staleDiscover) == 1)
            #expect(counters.drops(.stale) == 0)
            #expect(sink.sent.count == 3)
            #expect(try decodeReply(sink.sent[2].bytes).message.messageType == .ack)

            // 1.2 s old: the renewal is shed too, and nothing is answered.
            enqueue(
                worker, bound, bound.dhcpv4(.request, ciaddr: offer.header.yiaddr, portParams: params),
                age: 1200 * Self.millisecond)
            worker.processBatch(now: now + 2000)
            #expect(counters.drops(.stale) == 1)
            #expect(sink.sent.count == 3)

            // Every query's wait is in the histogram, the shed ones too.
            let histogram = worker.statistics.queueDelayHistogram
            let buckets = ShardStatistics.queueDelayBuckets.count
            let total = (0...buckets).reduce(0) { $0 + histogram[$1] }
            #expect(total == 5)
            #expect(histogram[buckets] == 0, "none waited past 5 s")
            #expect(
                histogram[ShardStatistics.queueDelayBuckets.firstIndex(of: 1_000_000)!] == 2, "the two 600 ms waits")
        }
    }

    @Test func aRetransmissionKeepsAWaitingDiscoverFresh() throws {
        try withTemporaryDirectory { directory in
            let (worker, sink, counters) = try makeWorker(directory)
            let client = WireClient(number: 3)
            // The first copy waited 900 ms (past a DISCOVER's 500 ms); the retransmission is
            // new: the waiting copy takes its receive time, and is answered once.
            #expect(client.admit(client.dhcpv4(.discover), to: worker.queue, age: 900 * Self.millisecond) == .queued)
            #expect(client.admit(client.dhcpv4(.discover), to: worker.queue) == .replaced)
            #expect(worker.queue.depth == 1)
            worker.processBatch(now: 1_800_000_000_000)
            #expect(counters.drops(.staleDiscover) == 0)
            #expect(worker.queue.drops(.duplicate) == 1)
            #expect(sink.sent.count == 1)
            #expect(try decodeReply(sink.sent[0].bytes).message.messageType == .offer)
        }
    }

    @Test func renewalsAreAnsweredBeforeWaitingDiscovers() throws {
        try withTemporaryDirectory { directory in
            let (worker, sink, _) = try makeWorker(directory, batchLimit: 4)
            let now: Int64 = 1_800_000_000_000
            let bound = WireClient(number: 1)
            let (offer, params) = try bind(bound, worker, sink, now: now)
            // Newcomers' DISCOVERs arrive first, the renewal last; the renewal is answered first.
            for number in 10..<20 {
                enqueue(worker, WireClient(number: number), WireClient(number: number).dhcpv4(.discover), age: 0)
            }
            enqueue(worker, bound, bound.dhcpv4(.request, ciaddr: offer.header.yiaddr, portParams: params), age: 0)
            #expect(worker.queue.depth(.starting) == 10)
            #expect(worker.queue.depth(.continuing) == 1)
            // A batch of 4: the renewal and three DISCOVERs; seven wait for the next batch.
            worker.processBatch(now: now + 1000)
            worker.finishSyncs()
            let types = try sink.sent.dropFirst(2).map { try decodeReply($0.bytes).message.messageType }
            #expect(types.filter { $0 == .ack }.count == 1)
            #expect(types.filter { $0 == .offer }.count == 3)
            #expect(worker.queue.depth(.starting) == 7)
        }
    }

    @Test func theReporterSaysWhenSheddingStartsAndStops() {
        let handler = CapturingLogHandler()
        let counters = ServerCounters()
        let reporter = DropReporter(
            counters: counters, shards: [ShardStatistics()], queues: [ShardQueue(capacity: 1)],
            logger: Logger(label: "test", factory: { _ in handler }))
        counters.countDrop(.staleDiscover, 40)
        reporter.report()
        reporter.report()
        counters.countDrop(.stale)
        reporter.report()
        let lines = handler.lines.withLock { $0.map(\.1) }
        #expect(lines.filter { $0.hasPrefix("overloaded: shedding") }.count == 2)
        #expect(lines.filter { $0 == "no longer shedding queries" }.count == 1)
    }
}
