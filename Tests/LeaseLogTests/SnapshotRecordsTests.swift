import PortLeaseWire
import Testing

@testable import LeaseLog

/// A standby catching up past compaction gets the snapshot's records: applied on nothing they
/// must give the live state the whole log gives.
struct SnapshotRecordsTests {
    @Test func noSnapshotBeforeTheFirstCompaction() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory)
            try log.append(LogCompactorTests.workload(1))
            try log.commit()
            #expect(try SnapshotRecords.covered(directory: directory) == 0)
            #expect(try SnapshotRecords.read(directory: directory) { _ in true } == nil)
            log.close()
        }
    }

    @Test func theRecordsGiveTheLiveStateAtTheCoveredSequence() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory, options: LeaseLog.Options(segmentSize: 4096))
            var written: [LeaseRecord] = []
            for n in 1...1200 {
                written.append(LogCompactorTests.workload(n))
                try log.append(written.last!)
                if n % 7 == 0 { try log.commit() }
            }
            try log.commit()
            _ = try log.sealForCompaction()
            try LogCompactor(directory: directory).compact()
            log.close()

            let covered = try SnapshotRecords.covered(directory: directory)
            #expect(covered > 0 && covered <= 1200)
            let snapshot = try #require(try SnapshotRecords.read(directory: directory) { _ in true })
            #expect(snapshot.covered == covered)
            var expected = LiveTable()
            for record in written.prefix(Int(covered)) { expected.apply(record) }
            var rebuilt = LiveTable()
            for record in snapshot.records { rebuilt.apply(record) }
            #expect(rebuilt == expected)
            #expect(!expected.leases.isEmpty)

            // Only what `keep` accepts: here one address's records.
            let one = IPv4Address(198, 51, 100, 2)
            let kept = try #require(try SnapshotRecords.read(directory: directory) { $0.address == one })
            #expect(!kept.records.isEmpty && kept.records.allSatisfy { $0.address == one })
            #expect(kept.records.count < snapshot.records.count)
        }
    }
}
