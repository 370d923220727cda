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

/// A standby failing a pool group back hands over its live view: the snapshot folded with the
/// records after it.
struct LiveRecordsTests {
    @Test(arguments: [false, true])
    func theLiveRecordsAreTheLogsLiveStateThroughTheSequenceAsked(compacted: Bool) throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory, options: LeaseLog.Options(segmentSize: 4096))
            var written: [LeaseRecord] = []
            for n in 1...1500 {
                written.append(LogCompactorTests.workload(n))
                try log.append(written.last!)
                if n % 7 == 0 { try log.commit() }
                if compacted && n == 900 {
                    try log.commit()
                    _ = try log.sealForCompaction()
                    try LogCompactor(directory: directory).compact()
                }
            }
            try log.commit()
            log.close()
            if compacted { #expect(try SnapshotRecords.covered(directory: directory) > 0) }

            for through in [1200, 1500] {
                let live = try SnapshotRecords.live(directory: directory, through: UInt64(through)) { _ in true }
                var expected = LiveTable()
                for record in written.prefix(through) { expected.apply(record) }
                var rebuilt = LiveTable()
                for record in live { rebuilt.apply(record) }
                #expect(rebuilt == expected, "through \(through)")
                #expect(!expected.leases.isEmpty)
                // One record per live lease at most (plus quarantined declines), in address order.
                #expect(live.filter { $0.event == .bind || $0.event == .renew }.count == expected.leases.count)
                #expect(live.map(\.address.value) == live.map(\.address.value).sorted())
            }
            let one = IPv4Address(198, 51, 100, 2)
            let kept = try SnapshotRecords.live(directory: directory, through: 1500) { $0.address == one }
            #expect(!kept.isEmpty && kept.allSatisfy { $0.address == one })
        }
    }
}
