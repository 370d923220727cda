import Foundation
import PortLeaseWire
import Testing

@testable import LeaseLog

/// `LogTail`: committed records in order across segments, never past `committed`.
@Suite struct LogTailTests {
    @Test func readsEveryRecordInOrderAcrossSegmentsAndStopsAtCommitted() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory, options: LeaseLog.Options(segmentSize: 2048))
            var written: [LeaseRecord] = []
            for n in 1...400 {
                let record = LogCompactorTests.workload(n)
                try log.append(record)
                written.append(record)
                if n % 9 == 0 { try log.commit() }
            }
            try log.commit()
            #expect(segmentPaths(directory).count > 5)
            let tail = LogTail(directory: directory, after: 0)
            var read: [(LeaseRecord, UInt64)] = []
            // In steps of 37 records, with the committed point moving up by 50 each time.
            var committed: UInt64 = 0
            while tail.position < 400 {
                committed = min(400, committed + 50)
                while try tail.read(through: committed, limit: 37, body: { read.append(($0, $1)) }) > 0 {}
                #expect(tail.position == committed)
            }
            #expect(read.map(\.0) == written)
            #expect(read.map(\.1) == Array(1...400))
        }
    }

    /// A read takes about what the wanted records need, not the whole chunk; records far
    /// bigger than that guess (255-byte relay options) still all come, in one call, from a
    /// preallocated segment whose zeros follow them.
    @Test func readsRecordsBiggerThanItsGuessFromAPreallocatedSegment() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory, options: LeaseLog.Options(segmentSize: 1 << 20))
            var written: [LeaseRecord] = []
            for n in 1...300 {
                var record = LogCompactorTests.workload(n)
                if n % 3 != 0 {
                    record.relay.interfaceID = Array(repeating: UInt8(n % 251), count: 255)
                    record.relay.remoteID = Array(repeating: UInt8(n % 241), count: 255)
                    record.relay.subscriberID = Array(repeating: UInt8(n % 239), count: 255)
                }
                try log.append(record)
                written.append(record)
                if n % 7 == 0 { try log.commit() }
            }
            try log.commit()
            #expect(segmentPaths(directory).count == 1)
            let tail = LogTail(directory: directory, after: 0)
            var read: [LeaseRecord] = []
            #expect(try tail.read(through: 300, limit: 300) { record, _ in read.append(record) } == 300)
            #expect(read == written)
            // One record at a time too: each read finds a whole one.
            let single = LogTail(directory: directory, after: 0)
            var one: [LeaseRecord] = []
            while try single.read(through: 300, limit: 1, body: { record, _ in one.append(record) }) == 1 {}
            #expect(one == written)
        }
    }

    @Test func followsAWriterAppendingMeanwhile() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory, options: LeaseLog.Options(segmentSize: 4096))
            let tail = LogTail(directory: directory, after: 0)
            var read: [LeaseRecord] = []
            var written: [LeaseRecord] = []
            for n in 1...600 {
                let record = LogCompactorTests.workload(n)
                try log.append(record)
                written.append(record)
                if n % 5 == 0 {
                    try log.commit()
                    try tail.read(through: log.lastCommitted, limit: 3) { record, _ in read.append(record) }
                }
            }
            try tail.read(through: log.lastCommitted, limit: .max) { record, _ in read.append(record) }
            #expect(read == written)
        }
    }

    @Test func startsAfterAPositionInACompactedLogAndReportsRecordsCompactedAway() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory, options: LeaseLog.Options(segmentSize: 2048))
            for n in 1...300 {
                try log.append(LogCompactorTests.workload(n))
                if n % 10 == 0 { try log.commit() }
            }
            // Hold compaction back to record 120: segments after it stay.
            let report = try #require(try LogCompactor(directory: directory).compact(through: 120))
            #expect(report.coveredSequence <= 120)
            let tail = LogTail(directory: directory, after: 120)
            var sequences: [UInt64] = []
            try tail.read(through: 300, limit: .max) { _, sequence in sequences.append(sequence) }
            #expect(sequences == Array(121...300))
            // Without the limit, compaction folds what the tail would need.
            try LogCompactor(directory: directory).compact()
            #expect(throws: LeaseLogError.self) {
                try LogTail(directory: directory, after: 120).read(through: 300, limit: .max) { _, _ in }
            }
        }
    }

    @Test func reportsRecordsCompactedAwayWhileItHeldTheirSegmentOpen() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory, options: LeaseLog.Options(segmentSize: 2048))
            for n in 1...300 {
                try log.append(LogCompactorTests.workload(n))
                if n % 10 == 0 { try log.commit() }
            }
            // The tail has read into the first segment and keeps it open.
            let tail = LogTail(directory: directory, after: 0)
            try tail.read(through: 5, limit: .max) { _, _ in }
            #expect(tail.position == 5)
            // Compaction deletes that segment and the ones after it; the tail reads the rest of
            // its open segment, then must say the next records are gone rather than wait for them.
            try LogCompactor(directory: directory).compact()
            #expect(segmentPaths(directory).count < 5)
            var sequences: [UInt64] = []
            let error = #expect(throws: LeaseLogError.self) {
                try tail.read(through: 300, limit: .max) { _, sequence in sequences.append(sequence) }
            }
            guard case .missingRecords(_, let expected, let found) = error else {
                Issue.record("expected missingRecords, got \(String(describing: error))")
                return
            }
            #expect(expected == tail.position + 1 && found > expected)
            #expect(sequences == Array(6..<tail.position + 1))
        }
    }
}
