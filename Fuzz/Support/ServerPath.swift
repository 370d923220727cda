import LeaseEngine
import LeaseLog
import PortLeaseServer
import PortLeaseWire

/// The server's path for one datagram, without sockets or threads: what `ReceiveThread`
/// does with it (``Classifier/classify(_:source:reply:counters:now:)``, then a
/// ``ShardQueue`` for a query), then what `ShardWorker` does with it on its shard.
///
/// `ShardWorker.handle(_:origin:now:)`, the worker's per-datagram step, is private, and a
/// whole worker needs a lease log on disk and a reply sink; so ``deliver(_:origin:now:monotonicNow:)``
/// takes the same steps in the same order through the worker's own `QueuedQuery` (parse,
/// `EngineQuery`, then the Relay-reply chain around the DHCPV4-RESPONSE) and
/// `LeaseEngine.handle`, into a buffer of the worker's slot size (`ReplyArena.slotSize`,
/// 2048 bytes, internal to the server). What happens to a reply after that (held until its
/// records are durable, then sent) needs a log and a ring, and is not fuzzed here. The
/// worker resolves an interface name only when some pool matches on interfaces; the
/// fuzz configurations have none, so the query's `interface` is nil as in the worker.
/// Like `processBatch(now:)`, ``expire(now:)`` runs before the queries of a batch.
public final class ServerPath {
    /// What happened to one datagram.
    public struct Delivery {
        /// The classifier's decision.
        public var decision: Classifier.Decision
        /// For a query, whether its shard's queue took it.
        public var queued = false
        /// For a query that reached its engine: the engine's outcome.
        public var outcome: EngineOutcome?
        /// For a query that reached its engine: the shard.
        public var shard: Int?
        /// The reply sent back (a Relay-reply chain or a bare DHCPv6 message), if any:
        /// valid until the next call.
        public var reply: UnsafeRawBufferPointer?
    }

    public let classifier: Classifier
    public let counters = ServerCounters()
    public let engines: [LeaseEngine]
    /// Each shard's queue, as the receive thread fills it.
    public let queues: [ShardQueue]
    /// Each shard's lease records since the caller last took them, in order.
    public var records: [[LeaseRecord]]
    /// The worker's slot size (`ReplyArena.slotSize`): a reply larger than this is dropped.
    public static let slotSize = 2048

    /// The receive thread's scratch (Information-Request replies).
    private let receiveScratch: UnsafeMutableRawBufferPointer
    /// The whole reply, written in place (one slot of the worker's arena).
    private let replyScratch: UnsafeMutableRawBufferPointer

    /// A path over `engines` (one per shard, sharing pools, as `LeaseEngine.makeShards`
    /// builds them) with a classifier like the server's.
    public init(engines: [LeaseEngine], classifier: Classifier) {
        precondition(classifier.shardCount == engines.count, "one engine per shard")
        self.engines = engines
        self.classifier = classifier
        queues = engines.map { _ in ShardQueue(capacity: 4, slotSize: Self.slotSize) }
        records = engines.map { _ in [] }
        receiveScratch = .allocate(byteCount: Self.slotSize, alignment: 16)
        replyScratch = .allocate(byteCount: Self.slotSize, alignment: 16)
    }

    deinit {
        receiveScratch.deallocate()
        replyScratch.deallocate()
    }

    /// What each worker does first in a batch: expiry at `now` (milliseconds since the epoch).
    public func expire(now: Int64) {
        for (shard, engine) in engines.enumerated() { engine.expire(now: now, records: &records[shard]) }
    }

    /// The receive thread's step for `payload` from `origin`: classify it, answer an
    /// Information-Request at once, or queue a query for its shard. `monotonicNow` is the
    /// classifier's clock (milliseconds) for the DISCOVER rate limit.
    public func receive(_ payload: UnsafeRawBufferPointer, origin: DatagramOrigin, monotonicNow: Int64) -> Delivery {
        var reply = ByteWriter(receiveScratch)
        var parsed: QueuedQuery?
        let decision = classifier.classify(
            payload, source: origin.source, reply: &reply, counters: counters, parsed: &parsed,
            now: { monotonicNow })
        var delivery = Delivery(decision: decision)
        switch decision {
        case .query(let route):
            delivery.shard = route.shard
            guard let parsed else {
                // The worker would parse it again and count it; for the fuzzer it is a bug.
                fatalError("the classifier queued a query without its parse")
            }
            delivery.queued =
                queues[route.shard].admit(
                    payload, parsed: parsed, origin: origin, received: 0,
                    lane: route.lane, exchange: route.exchange) == .queued
        case .answered:
            delivery.reply = reply.written
        case .dropped:
            break
        }
        return delivery
    }

    /// ``receive(_:origin:monotonicNow:)``, then the worker's step for a queued query at
    /// `now` (milliseconds since the epoch), as if its shard ran a batch of one.
    public func deliver(
        _ payload: UnsafeRawBufferPointer, origin: DatagramOrigin, now: Int64, monotonicNow: Int64
    ) -> Delivery {
        var delivery = receive(payload, origin: origin, monotonicNow: monotonicNow)
        guard delivery.queued, let shard = delivery.shard else { return delivery }
        _ = queues[shard].drainQueries(limit: 1) { payload, parsed, origin, _, _ in
            handle(payload, parsed: parsed, origin: origin, shard: shard, now: now, into: &delivery)
        }
        return delivery
    }

    /// `ShardWorker.handle(_:origin:now:)`, step for step (see the type's comment).
    private func handle(
        _ payload: UnsafeRawBufferPointer, parsed: borrowing QueuedQuery?, origin: DatagramOrigin, shard: Int,
        now: Int64, into delivery: inout Delivery
    ) {
        guard let queued = copy parsed else {
            // The worker would parse it again and count it; for the fuzzer it is a bug.
            fatalError("a queued query lost its parse")
        }
        // The parse moved with the copy: it must read exactly what parsing the copy reads.
        guard let again = QueuedQuery(payload),
            again.message.bytes.baseAddress == queued.message.bytes.baseAddress,
            again.message.bytes.count == queued.message.bytes.count,
            again.message.clientIdentifier?.baseAddress == queued.message.clientIdentifier?.baseAddress,
            again.packet.relays.depth == queued.packet.relays.depth
        else {
            fatalError("the moved parse differs from a parse of the queued copy")
        }
        let (outcome, length) = queued.answer(
            with: engines[shard], source: origin.source, interface: nil, now: now, records: &records[shard],
            into: replyScratch)
        delivery.outcome = outcome
        guard case .reply = outcome else { return }
        guard let length else {
            counters.countDrop(.replyFailed)
            return
        }
        delivery.reply = UnsafeRawBufferPointer(rebasing: replyScratch[0..<length])
    }

    /// Takes every shard's records gathered so far.
    public func takeRecords() -> [[LeaseRecord]] {
        defer { records = engines.map { _ in [] } }
        return records
    }
}
