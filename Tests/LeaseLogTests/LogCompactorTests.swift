import Dispatch
import Foundation
import PortLeaseWire
import Synchronization
import Testing

@testable import LeaseLog

/// A minimal engine table: the live lease per (address, PSID), as the engine would keep it.
private struct LiveTable {
    struct Key: Hashable {
        var address: UInt32
        var psid: UInt16
    }

    var leases: [Key: LeaseRecord] = [:]

    mutating func apply(_ record: LeaseRecord) {
        let key = Key(address: record.address.value, psid: record.psid)
        switch record.event {
        case .bind, .renew: leases[key] = record
        case .release, .expire, .decline: leases[key] = nil
        }
    }

    var sorted: [LeaseRecord] {
        leases.values.sorted { ($0.address, $0.psid) < ($1.address, $1.psid) }
    }
}

@Suite struct LogCompactorTests {
    /// Record n of a workload that binds, renews and releases over 40 (address, PSID) slots.
    private func workload(_ n: Int) -> LeaseRecord {
        let events: [LeaseRecord.Event] = [.bind, .renew, .release, .bind, .expire]
        return Sample.record(
            n % 40, event: events[(n / 40) % events.count], time: 1_700_000_000_000 + Int64(n) * 1000,
            address: IPv4Address(198, 51, 100, UInt8(n % 40 / 8)), psid: UInt16(n % 8))
    }

    @Test func compactionBesideAppendsKeepsTheLiveSetAndTheHistory() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory, options: LeaseLog.Options(segmentSize: 2048))
            var table = LiveTable()
            var n = 0
            func step(_ count: Int) throws {
                for _ in 0..<count {
                    n += 1
                    let record = workload(n)
                    try log.append(record)
                    table.apply(record)
                    if n % 7 == 0 { try log.commit() }
                }
                try log.commit()
            }
            try step(300)
            let point = try log.sealForCompaction()
            let snapshot = table.sorted
            let compactor = LogCompactor(directory: directory)
            let outcome = Mutex<Result<CompactionReport, LeaseLogError>?>(nil)
            let done = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                let result = Result { () throws(LeaseLogError) -> CompactionReport in
                    try compactor.compact(point, liveLeases: snapshot)
                }
                outcome.withLock { $0 = result }
                done.signal()
            }
            // The writer goes on while the compactor works.
            try step(300)
            done.wait()
            let report = try #require(outcome.withLock { $0 }).get()
            #expect(report.snapshotRecords == snapshot.count)
            #expect(report.archivedSegments.last == point.lastSegment)
            #expect(segmentPaths(directory, archive: true).count == report.archivedSegments.count)
            try step(10)
            log.close()

            var rebuilt = LiveTable()
            var fromSnapshot = 0
            let reopened = try LeaseLog(directory: directory) { replayed in
                rebuilt.apply(replayed.record)
                if replayed.fromSnapshot { fromSnapshot += 1 }
            }
            #expect(fromSnapshot == snapshot.count)
            #expect(reopened.recovery.snapshotCovers == point.coveredSequence)
            #expect(reopened.lastCommitted == 610)
            #expect(rebuilt.sorted == table.sorted)

            // The history still holds every record, across the compaction boundary.
            let history = LeaseHistory(directory: directory)
            var all: [LeaseRecord] = []
            for octet in 0..<5 { all += try history.records(of: IPv4Address(198, 51, 100, UInt8(octet))) }
            #expect(all.count == 610)
            #expect(Set(all) == Set((1...610).map(workload)))
        }
    }

    @Test func recoveryAfterACrashBetweenSnapshotAndArchiving() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory, options: LeaseLog.Options(segmentSize: 1024))
            var table = LiveTable()
            for n in 1...100 {
                try log.append(workload(n))
                table.apply(workload(n))
                try log.commit()
            }
            let point = try log.sealForCompaction()
            // Only the snapshot step: the covered segments are still in the live directory.
            _ = try Snapshot.write(
                table.sorted, covering: point.coveredSequence, layout: LogLayout(directory: directory),
                fileSystem: SystemFileSystem(), sync: true)
            for n in 101...120 {
                try log.append(workload(n))
                table.apply(workload(n))
            }
            try log.commit()
            log.close()
            var rebuilt = LiveTable()
            let report = try LeaseLog.recover(directory: directory) { rebuilt.apply($0.record) }
            #expect(report.replayedRecords == 20)
            #expect(rebuilt.sorted == table.sorted)
            // A later compaction archives the leftovers too.
            let reopened = try LeaseLog(directory: directory)
            let next = try reopened.sealForCompaction()
            let archived = try LogCompactor(directory: directory).compact(next, liveLeases: table.sorted)
            #expect(archived.archivedSegments.count == Int(next.lastSegment))
            #expect(segmentPaths(directory).count == 1)
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

    @Test func retentionDeletesOnlyArchivedSegmentsOlderThanTheLimit() throws {
        try TemporaryDirectory.with { directory in
            let day: Int64 = 86_400_000
            let now: Int64 = 1_800_000_000_000
            let log = try LeaseLog(directory: directory)
            for (index, age) in [400, 200, 181, 179, 10].enumerated() {
                try log.append(Sample.record(index, time: now - Int64(age) * day))
                try log.commit()
                _ = try log.sealForCompaction()
            }
            let point = try log.sealForCompaction()
            try LogCompactor(directory: directory).compact(point, liveLeases: [])
            #expect(segmentPaths(directory, archive: true).count == 5)
            // One index lost: retention falls back to reading the segment's times.
            try FileManager.default.removeItem(atPath: directory + "/archive/0000000000000002.idx")
            let deleted = try LogCompactor(directory: directory).applyRetention(now: now)
            #expect(deleted == [1, 2, 3])
            #expect(segmentPaths(directory, archive: true).count == 2)
            let remaining = try FileManager.default.contentsOfDirectory(atPath: directory + "/archive").sorted()
            #expect(
                remaining == [
                    "0000000000000004.idx", "0000000000000004.seg", "0000000000000005.idx", "0000000000000005.seg",
                ])
            #expect(try LogCompactor(directory: directory).applyRetention(now: now, retentionDays: 5) == [4, 5])
        }
    }
}
