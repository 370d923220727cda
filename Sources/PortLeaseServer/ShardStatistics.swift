import LeaseEngine
import Synchronization

/// One shard's numbers for the metrics endpoint, published by its worker after
/// every batch (atomic stores, no allocation) and read from any thread.
public final class ShardStatistics: Sendable {
    /// Upper bounds of the queueing-delay histogram buckets, microseconds.
    public static let queueDelayBuckets: [Int] = [100, 1000, 10_000, 100_000, 250_000, 500_000, 1_000_000, 5_000_000]
    /// Upper bounds of the commit-latency histogram buckets, microseconds.
    public static let commitBuckets: [Int] = [50, 100, 250, 500, 1000, 2500, 5000, 10_000, 50_000, 100_000]

    /// The counters kept per shard.
    public enum Field: Int, CaseIterable, Sendable {
        case offers, acks, naks, informs, releases, declines, expirations, offerTimeouts, quarantineEnds
        case replayConflicts, batches, commits, commitMicrosecondsTotal, commitFailures, recordsCommitted
        case repliesDroppedAfterFailedCommit
        /// A gauge, not a counter: 1 while the shard's log cannot write for lack of space.
        case diskFull
        /// A gauge: 1 while the shard's current segment is written with direct I/O
        /// (`LeaseLog.Options.directWrites`), 0 through the page cache.
        case directWrites
    }

    let fields = AtomicCounters(count: Field.allCases.count)
    let engineDrops = AtomicCounters(count: DropReason.allCases.count)
    /// Per pool (at most 255): new bindings refused while the pool was full.
    let poolsExhausted = AtomicCounters(count: 256)
    /// Per pool: offers outstanding now.
    let offersOutstanding = AtomicCounters(count: 256)
    /// Cumulative bucket counts (Prometheus style): `commitBuckets.count` + the +Inf bucket.
    let commitHistogram = AtomicCounters(count: ShardStatistics.commitBuckets.count + 1)
    /// Queueing delay (arrival to worker): per bucket (not cumulative: one add per query), the
    /// +Inf bucket, then the sum in microseconds.
    let queueDelayHistogram = AtomicCounters(count: ShardStatistics.queueDelayBuckets.count + 2)

    /// The sequence number of the shard log's last durable record: how far readers of the log
    /// (history shipping) may read. Stored by the worker when a commit completes.
    public let committedSequence = Atomic<UInt64>(0)

    public init() {}

    func publish(_ counters: EngineCounters) {
        fields.store(Field.offers.rawValue, counters.offers)
        fields.store(Field.acks.rawValue, counters.acks)
        fields.store(Field.naks.rawValue, counters.naks)
        fields.store(Field.informs.rawValue, counters.informs)
        fields.store(Field.releases.rawValue, counters.releases)
        fields.store(Field.declines.rawValue, counters.declines)
        fields.store(Field.expirations.rawValue, counters.expirations)
        fields.store(Field.offerTimeouts.rawValue, counters.offerTimeouts)
        fields.store(Field.quarantineEnds.rawValue, counters.quarantineEnds)
        fields.store(Field.replayConflicts.rawValue, counters.replayConflicts)
        for reason in DropReason.allCases { engineDrops.store(Int(reason.rawValue), counters.dropped(reason)) }
        for index in counters.poolsExhausted.indices { poolsExhausted.store(index, counters.poolsExhausted[index]) }
        for index in counters.offersOutstanding.indices {
            offersOutstanding.store(index, counters.offersOutstanding[index])
        }
    }

    /// Offers of pool `index` outstanding on this shard, as of its last batch.
    public func offersOutstanding(_ index: Int) -> Int { offersOutstanding[index] }

    /// New bindings refused while pool `index` (configuration order) was full.
    public func poolExhausted(_ index: Int) -> Int { poolsExhausted[index] }

    func recordCommit(microseconds: Int, records: Int) {
        fields.add(Field.commits.rawValue)
        fields.add(Field.commitMicrosecondsTotal.rawValue, microseconds)
        fields.add(Field.recordsCommitted.rawValue, records)
        for (index, bound) in Self.commitBuckets.enumerated() where microseconds <= bound {
            commitHistogram.add(index)
        }
        commitHistogram.add(Self.commitBuckets.count)
    }

    /// Counts one query's wait between its arrival and its worker.
    func recordQueueDelay(nanoseconds: UInt64) {
        let microseconds = Int(nanoseconds / 1000)
        var bucket = 0
        while bucket < Self.queueDelayBuckets.count && microseconds > Self.queueDelayBuckets[bucket] { bucket += 1 }
        queueDelayHistogram.add(bucket)
        queueDelayHistogram.add(Self.queueDelayBuckets.count + 1, microseconds)
    }

    /// The value of one field.
    public subscript(field: Field) -> Int { fields[field.rawValue] }

    /// Engine drops for `reason`.
    public func engineDrops(_ reason: DropReason) -> Int { engineDrops[Int(reason.rawValue)] }

    public var offers: Int { self[.offers] }
    public var acks: Int { self[.acks] }
    public var naks: Int { self[.naks] }
    public var releases: Int { self[.releases] }
    public var commits: Int { self[.commits] }
}
