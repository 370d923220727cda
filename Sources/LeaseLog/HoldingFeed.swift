import PortLeaseWire

/// A holding that started or ended, as one record of the log made it happen.
public struct HoldingEvent: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// The holding began (`holding.ended == .held`, `holding.end` the lease's end).
        case opened
        /// The holding ended (`holding.ended` says how, `holding.end` when).
        case ended
    }

    public var kind: Kind
    public var holding: TraceHolding
    /// The record that made it happen; for an event the feed found in the snapshot or the
    /// history (``HoldingFeed/backfill``), the record that last changed the holding.
    public var sequence: UInt64

    public init(kind: Kind, holding: TraceHolding, sequence: UInt64) {
        self.kind = kind
        self.holding = holding
        self.sequence = sequence
    }
}

/// One shard's holdings as a stream of events, from a cursor on: what history shipping sends.
///
/// It folds the log's records with the same `HoldingFolder` as compaction and trace, so the
/// events agree with what `portlease trace` answers from the local files. To start at a
/// cursor it needs the live holdings at that point: it loads the snapshot, then replays the
/// records between the snapshot and the cursor without emitting anything.
///
/// When the snapshot already covers more than the cursor (shipping turned on for a log that
/// was compacted before, or a new database), the records in between are gone. The feed then
/// starts at the snapshot and offers what the files still know as ``backfill``: every
/// holding of the history that ended after the cursor, and every live holding. Whoever
/// receives them must apply them idempotently, since some may have been sent before.
///
/// One owner, one thread at a time.
public final class HoldingFeed {
    /// The sequence number of the last record folded: the cursor to store with what was sent.
    public var position: UInt64 { tail.position }
    /// Events recovered from the snapshot and history at start-up (see the type's description);
    /// empty when the log still had every record after the cursor.
    public let backfill: [HoldingEvent]
    /// The time (ms) of the first record the last ``next(through:limit:into:)`` folded; nil when it folded none.
    public private(set) var firstTimeOfLastRead: Int64?
    private let tail: LogTail
    private var folder: HoldingFolder

    /// Starts after `cursor`. Throws when the log ends before the cursor (the cursor belongs to
    /// another log: an instance name reused for a new machine) or cannot be read.
    public init(directory: String, after cursor: UInt64, fileSystem: any LogFileSystem = SystemFileSystem())
        throws(LeaseLogError)
    {
        let layout = LogLayout(directory: directory)
        var loaded: [HoldingEntry] = []
        let covered = try Snapshot.read(layout: layout, fileSystem: fileSystem) { loaded.append($0) }?.covered ?? 0
        var state = HoldingFolder()
        loaded.forEach { state.load($0) }
        if covered > cursor {
            var events: [HoldingEvent] = []
            let history = HistoryStore(layout: layout, fileSystem: fileSystem)
            for day in try history.days() {
                var entries: [HoldingEntry] = []
                _ = try history.read(history.path(ofDay: day), into: &entries)
                for entry in entries where entry.sequence > cursor {
                    events.append(HoldingEvent(kind: .ended, holding: entry.holding, sequence: entry.sequence))
                }
            }
            for entry in loaded {
                if case .holding = entry.state {
                    events.append(HoldingEvent(kind: .opened, holding: entry.holding, sequence: entry.sequence))
                }
            }
            backfill = events
            tail = LogTail(directory: directory, after: covered, fileSystem: fileSystem)
            folder = state
            return
        }
        let tail = LogTail(directory: directory, after: covered, fileSystem: fileSystem)
        try tail.read(through: cursor, limit: .max) { record, sequence in
            state.apply(record, sequence: sequence) { _ in }
        }
        self.tail = tail
        backfill = []
        folder = state
        guard tail.position == cursor else {
            throw .missingRecords(segment: directory, expected: tail.position + 1, found: cursor + 1)
        }
    }

    /// Folds the records after ``position`` up to `committed` (at most `limit`), appending the
    /// events they cause to `events`. Returns the number of records folded.
    @discardableResult
    public func next(through committed: UInt64, limit: Int, into events: inout [HoldingEvent]) throws(LeaseLogError)
        -> Int
    {
        var state = folder
        folder = HoldingFolder()
        defer { folder = state }
        var first: Int64?
        defer { firstTimeOfLastRead = first }
        return try tail.read(through: committed, limit: limit) { record, sequence in
            if first == nil { first = record.time }
            state.apply(
                record, sequence: sequence,
                opened: { events.append(HoldingEvent(kind: .opened, holding: $0.holding, sequence: sequence)) },
                ended: { events.append(HoldingEvent(kind: .ended, holding: $0.holding, sequence: sequence)) })
        }
    }
}
