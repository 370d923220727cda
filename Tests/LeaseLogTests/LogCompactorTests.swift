import Dispatch
import Foundation
import PortLeaseWire
import Synchronization
import Testing

@testable import LeaseLog

/// A minimal engine table: each client's live lease, as the engine would keep it.
struct LiveTable: Equatable {
    var leases: [ClientKey: LeaseRecord] = [:]

    mutating func apply(_ record: LeaseRecord) {
        switch record.event {
        case .bind, .renew: leases[record.clientKey] = record
        case .release, .expire, .decline, .forcedRelease:
            if let live = leases[record.clientKey], HoldingEntry.samePortSet(live, record) {
                leases[record.clientKey] = nil
            }
        }
    }
}

/// Every holding a whole log gives when folded in one go, without compaction: what the history
/// plus the live state must equal after any number of compactions.
func holdingsFoldedAtOnce(_ records: [LeaseRecord]) -> [TraceHolding] {
    var folder = HoldingFolder()
    var holdings: [TraceHolding] = []
    for (index, record) in records.enumerated() {
        folder.apply(record, sequence: UInt64(index + 1)) { holdings.append($0.holding) }
    }
    return holdings + folder.live.values.map(\.holding)
}

/// Every holding a log directory answers for, over all addresses in `addresses`.
func holdingsInLog(_ directory: String, addresses: [IPv4Address]) throws -> [TraceHolding] {
    let history = LeaseHistory(directory: directory)
    return try addresses.flatMap { try history.holdings(of: $0) }
}

func sortedHoldings(_ holdings: [TraceHolding]) -> [TraceHolding] {
    holdings.sorted {
        ($0.address.value, $0.start, $0.psid, $0.end, $0.clientKey.description)
            < ($1.address.value, $1.start, $1.psid, $1.end, $1.clientKey.description)
    }
}

@Suite struct LogCompactorTests {
    /// Record n of a churning workload: 60 clients over 5 addresses, binding, renewing (sometimes
    /// from a new subscriber address), releasing, declining and expiring, a minute apart.
    static func workload(_ n: Int) -> LeaseRecord {
        let client = n % 60
        let round = n / 60
        let events: [LeaseRecord.Event] = [.bind, .renew, .renew, .release, .bind, .renew, .expire, .bind, .decline]
        var record = Sample.record(
            client, event: events[round % events.count], time: 1_700_000_000_000 + Int64(n) * 60_000,
            address: IPv4Address(198, 51, 100, UInt8((client + round / 9) % 5)), psid: UInt16(client % 12))
        if round % 9 == 2 && client % 4 == 0 { record.subscriber = IPv6Address(high: 0x2001_0DB8_0009_0000, low: 1) }
        return record
    }

    static let addresses = (0..<5).map { IPv4Address(198, 51, 100, UInt8($0)) }

    @Test func compactionBesideAppendsKeepsTheLiveSetAndEveryHolding() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory, options: LeaseLog.Options(segmentSize: 2048))
            var table = LiveTable()
            var written: [LeaseRecord] = []
            let compactor = LogCompactor(directory: directory)
            let stop = Mutex(false)
            let passes = Mutex(0)
            let done = DispatchSemaphore(value: 0)
            let compacted = DispatchSemaphore(value: 0)
            let failures = Mutex<[LeaseLogError]>([])
            Thread {
                while !stop.withLock({ $0 }) {
                    do throws(LeaseLogError) {
                        if try compactor.compact() != nil {
                            passes.withLock { $0 += 1 }
                            compacted.signal()
                        }
                    } catch {
                        failures.withLock { $0.append(error) }
                    }
                }
                done.signal()
            }.start()
            for n in 1...3000 {
                let record = Self.workload(n)
                try log.append(record)
                table.apply(record)
                written.append(record)
                if n % 7 == 0 { try log.commit() }
                // Halfway, make sure a pass has folded segments while this writer keeps appending.
                if n == 1500 { compacted.wait() }
            }
            try log.commit()
            stop.withLock { $0 = true }
            done.wait()
            #expect(passes.withLock { $0 } > 0)
            #expect(failures.withLock { $0 }.isEmpty)
            log.close()

            var rebuilt = LiveTable()
            let reopened = try LeaseLog(directory: directory) { rebuilt.apply($0.record) }
            #expect(reopened.lastCommitted == 3000)
            #expect(reopened.recovery.snapshotCovers > 0)
            #expect(rebuilt == table)
            #expect(
                sortedHoldings(try holdingsInLog(directory, addresses: Self.addresses))
                    == sortedHoldings(holdingsFoldedAtOnce(written)))
        }
    }

    @Test func passAfterPassTheSnapshotIsTheWholeFoldEntryForEntry() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory, options: LeaseLog.Options(segmentSize: 1 << 20))
            let compactor = LogCompactor(directory: directory)
            var written: [LeaseRecord] = []
            for n in 1...2700 {
                written.append(Self.workload(n))
                try log.append(written.last!)
                if n % 9 == 0 { try log.commit() }
                // Many passes, each changing a few of the live holdings: the later ones merge.
                if n % 300 == 0 {
                    try log.commit()
                    _ = try log.sealForCompaction()
                    try compactor.compact()
                    var onDisk: [HoldingEntry] = []
                    _ = try Snapshot.read(layout: LogLayout(directory: directory), fileSystem: SystemFileSystem()) {
                        onDisk.append($0)
                    }
                    var whole = HoldingFolder()
                    for (index, record) in written.enumerated() {
                        whole.apply(record, sequence: UInt64(index + 1)) { _ in }
                    }
                    whole.pruneQuarantine()
                    #expect(onDisk == whole.snapshotEntries(), "after \(n) records")
                }
            }
        }
    }

    @Test func renewalsExtendAHoldingInsteadOfAddingOne() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory, options: LeaseLog.Options(segmentSize: 4096))
            let start: Int64 = 1_700_000_000_000
            try log.append(Sample.record(1, event: .bind, time: start, psid: 5))
            for renewal in 1...1000 {
                try log.append(Sample.record(1, event: .renew, time: start + Int64(renewal) * 1_800_000, psid: 5))
                if renewal % 50 == 0 { try log.commit() }
            }
            try log.commit()
            _ = try log.sealForCompaction()
            let compactor = LogCompactor(directory: directory)
            let report = try #require(try compactor.compact())
            #expect(report.foldedRecords == 1001)
            #expect(report.endedHoldings == 0)
            #expect(report.snapshotEntries == 1)
            #expect(try compactor.status().historyHoldings == 0)
            let holdings = try LeaseHistory(directory: directory).holdings(of: Sample.record(1).address)
            #expect(holdings.count == 1)
            #expect(holdings.first?.start == start)
            #expect(holdings.first?.end == start + 1000 * 1_800_000 + 3_600_000)
            #expect(holdings.first?.ended == .held)
        }
    }

    @Test func aRepeatedPassAfterACrashAddsNothingTwice() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory, options: LeaseLog.Options(segmentSize: 1024))
            var written: [LeaseRecord] = []
            for n in 1...600 {
                written.append(Self.workload(n))
                try log.append(written.last!)
                try log.commit()
            }
            _ = try log.sealForCompaction()
            // The history is merged, then the pass "crashes" before its snapshot is renamed.
            struct Crash: Error {}
            let layout = LogLayout(directory: directory)
            var folder = HoldingFolder()
            var ended: [HoldingEntry] = []
            for (index, record) in written.enumerated() {
                folder.apply(record, sequence: UInt64(index + 1)) { ended.append($0) }
            }
            try HistoryStore(layout: layout, fileSystem: SystemFileSystem()).merge(ended, through: 600, sync: true)
            // A fresh compactor (a restarted process) folds the same segments again.
            let report = try #require(try LogCompactor(directory: directory).compact())
            #expect(report.endedHoldings == ended.count)
            #expect(
                sortedHoldings(try holdingsInLog(directory, addresses: Self.addresses))
                    == sortedHoldings(holdingsFoldedAtOnce(written)))
            let store = HistoryStore(layout: layout, fileSystem: SystemFileSystem())
            #expect(try store.statistics().holdings == ended.count)
        }
    }

    @Test func aDamagedSealedSegmentStopsCompactionAndDeletesNothing() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory, options: LeaseLog.Options(segmentSize: 1024))
            for n in 1...100 {
                try log.append(Self.workload(n))
                try log.commit()
            }
            _ = try log.sealForCompaction()
            let before = segmentPaths(directory)
            var bytes = fileBytes(before[1])
            bytes[SegmentHeader.size + 10] ^= 0xFF
            writeFile(before[1], bytes)
            #expect(throws: LeaseLogError.self) { try LogCompactor(directory: directory).compact() }
            #expect(segmentPaths(directory) == before)
            #expect(!FileManager.default.fileExists(atPath: directory + "/snapshot"))
        }
    }

    @Test func sealingNeedsACommittedLog() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory)
            try log.append(Sample.record(1))
            #expect(throws: LeaseLogError.pendingRecords(count: 1)) { try log.sealForCompaction() }
            try log.commit()
            let point = try log.sealForCompaction()
            #expect(point == CompactionPoint(lastSegment: 1, coveredSequence: 1))
            // Nothing new since: sealing again covers the same records without an empty segment.
            #expect(try log.sealForCompaction() == CompactionPoint(lastSegment: 1, coveredSequence: 1))
        }
    }
}
