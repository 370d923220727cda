import Foundation
import PortLeaseWire
import Testing

@testable import LeaseLog

/// `HoldingFeed`: the holdings history shipping sends, event by event.
@Suite struct HoldingFeedTests {
    /// What a consumer of the events ends up with: ended holdings, and those still open.
    struct Received {
        var ended: [TraceHolding] = []
        var open: [ClientKey: TraceHolding] = [:]

        mutating func take(_ event: HoldingEvent) {
            switch event.kind {
            case .opened: open[event.holding.clientKey] = event.holding
            case .ended:
                if let held = open[event.holding.clientKey], held.start == event.holding.start {
                    open[event.holding.clientKey] = nil
                }
                ended.append(event.holding)
            }
        }

        /// Every holding, with the open ones as the log's fold shows them (ended == .held).
        var all: [TraceHolding] { ended + Array(open.values) }
    }

    static func written(_ count: Int, segmentSize: Int, into directory: String) throws -> [LeaseRecord] {
        let log = try LeaseLog(directory: directory, options: LeaseLog.Options(segmentSize: segmentSize))
        var records: [LeaseRecord] = []
        for n in 1...count {
            let record = LogCompactorTests.workload(n)
            try log.append(record)
            records.append(record)
            if n % 11 == 0 { try log.commit() }
        }
        try log.commit()
        log.close()
        return records
    }

    /// Holdings compared on what the database keeps (start and end of open holdings aside).
    static func shipped(_ holdings: [TraceHolding]) -> [TraceHolding] {
        sortedHoldings(
            holdings.map { holding in
                var copy = holding
                if copy.ended == .held { copy.end = 0 }
                return copy
            })
    }

    @Test func eventsGiveTheSameHoldingsAsTheFoldAndTraceQueries() throws {
        try TemporaryDirectory.with { directory in
            let records = try Self.written(1200, segmentSize: 2048, into: directory)
            let feed = try HoldingFeed(directory: directory, after: 0)
            #expect(feed.backfill.isEmpty)
            var received = Received()
            var events: [HoldingEvent] = []
            while try feed.next(through: 1200, limit: 100, into: &events) > 0 {}
            events.forEach { received.take($0) }
            #expect(feed.position == 1200)
            #expect(Self.shipped(received.all) == Self.shipped(holdingsFoldedAtOnce(records)))
            #expect(
                Self.shipped(received.all)
                    == Self.shipped(try holdingsInLog(directory, addresses: LogCompactorTests.addresses)))
        }
    }

    @Test func restartingAtACursorGivesExactlyTheEventsNotYetTaken() throws {
        try TemporaryDirectory.with { directory in
            _ = try Self.written(900, segmentSize: 2048, into: directory)
            var whole: [HoldingEvent] = []
            let feed = try HoldingFeed(directory: directory, after: 0)
            while try feed.next(through: 900, limit: 64, into: &whole) > 0 {}
            // Compact to a point before the cursor, then resume at the cursor from the files.
            try LogCompactor(directory: directory).compact(through: 350)
            var first: [HoldingEvent] = []
            let before = try HoldingFeed(directory: directory, after: 0)
            #expect(before.backfill.isEmpty == false)  // the snapshot covers records the cursor 0 lacks
            let cursor: UInt64 = 517
            var rest: [HoldingEvent] = []
            let resumed = try HoldingFeed(directory: directory, after: cursor)
            #expect(resumed.backfill.isEmpty)
            while try resumed.next(through: 900, limit: 50, into: &rest) > 0 {}
            first = whole.filter { $0.sequence <= cursor }
            #expect(first + rest == whole)
        }
    }

    @Test func aLogCompactedPastTheCursorOffersItsSnapshotAndHistory() throws {
        try TemporaryDirectory.with { directory in
            let records = try Self.written(1500, segmentSize: 2048, into: directory)
            let report = try #require(try LogCompactor(directory: directory).compact())
            let feed = try HoldingFeed(directory: directory, after: 0)
            #expect(feed.position == report.coveredSequence)
            var received = Received()
            feed.backfill.forEach { received.take($0) }
            var events: [HoldingEvent] = []
            while try feed.next(through: 1500, limit: 100, into: &events) > 0 {}
            events.forEach { received.take($0) }
            #expect(Self.shipped(received.all) == Self.shipped(holdingsFoldedAtOnce(records)))
        }
    }

    @Test func aCursorBeyondTheLogIsRefused() throws {
        try TemporaryDirectory.with { directory in
            _ = try Self.written(50, segmentSize: 1 << 20, into: directory)
            #expect(throws: LeaseLogError.self) { try HoldingFeed(directory: directory, after: 80) }
        }
    }
}
