import Foundation
import Testing

@testable import LeaseLog

@Suite struct LogRecoveryTests {
    /// Writes `count` records in batches of `batch` and returns the last segment's path and the
    /// offset where its last record starts.
    @discardableResult
    private func writeLog(_ directory: String, count: Int, batch: Int = 4, segmentSize: Int = 64 << 20) throws
        -> (segment: String, lastRecordStart: Int)
    {
        let log = try LeaseLog(directory: directory, options: LeaseLog.Options(segmentSize: segmentSize))
        for n in 1...count {
            try log.append(Sample.record(n))
            if n % batch == 0 || n == count { try log.commit() }
        }
        log.close()
        let segment = try #require(segmentPaths(directory).last)
        let size = fileBytes(segment).count
        let lastSize = RecordCodec.size(of: Sample.record(count))
        return (segment, size - lastSize)
    }

    @Test func tornTailAtEveryByteOfTheLastRecordIsTruncated() throws {
        try TemporaryDirectory.with { directory in
            let (segment, start) = try writeLog(directory, count: 9)
            let original = fileBytes(segment)
            for cut in start..<original.count {
                writeFile(segment, Array(original.prefix(cut)))
                let (records, report) = try replayAll(directory)
                #expect(records.map(\.record) == (1...8).map { Sample.record($0) }, "cut at \(cut)")
                let expectedTail: TruncatedTail? =
                    cut == start
                    ? nil
                    : TruncatedTail(
                        segment: segment, offset: start, discardedBytes: cut - start,
                        reason: "record cut short at end of file")
                #expect(report.truncatedTail == expectedTail, "cut at \(cut)")
            }
            // Opening for writing truncates the tail for real and appends after record 8.
            writeFile(segment, Array(original.prefix(original.count - 3)))
            let log = try LeaseLog(directory: directory)
            #expect(log.recovery.truncatedTail?.offset == start)
            #expect(fileBytes(segment).count == start)
            #expect(try log.append(Sample.record(100)) == 9)
            try log.commit()
            #expect(try replayAll(directory).records.map(\.sequence) == Array(1...9))
        }
    }

    @Test func garbageTailIsTruncated() throws {
        try TemporaryDirectory.with { directory in
            let (segment, _) = try writeLog(directory, count: 5)
            let original = fileBytes(segment)
            for tail in [[UInt8](repeating: 0, count: 4096), [UInt8](repeating: 0xA5, count: 200)] {
                writeFile(segment, original + tail)
                let (records, report) = try replayAll(directory)
                #expect(records.count == 5)
                #expect(report.truncatedTail?.offset == original.count)
                #expect(report.truncatedTail?.discardedBytes == tail.count)
            }
        }
    }

    @Test func flippedBitInTheMiddleStopsRecoveryNamingSegmentAndOffset() throws {
        try TemporaryDirectory.with { directory in
            let (segment, _) = try writeLog(directory, count: 20)
            let original = fileBytes(segment)
            let recordSize = RecordCodec.size(of: Sample.record(1))
            for record in [0, 7, 18] {
                let start = SegmentHeader.size + record * recordSize
                for byte in [start, start + 5, start + 30, start + recordSize - 1] {
                    var damaged = original
                    damaged[byte] ^= 0x10
                    writeFile(segment, damaged)
                    #expect {
                        _ = try replayAll(directory)
                    } throws: { error in
                        guard case LeaseLogError.corruptRecord(let named, let offset, _) = error else { return false }
                        return named == segment && offset == start
                    }
                    #expect(throws: LeaseLogError.self) { _ = try LeaseLog(directory: directory) }
                    #expect(fileBytes(segment) == damaged, "a refused recovery changes nothing")
                }
            }
        }
    }

    @Test func damageInAnEarlierSegmentIsNotATail() throws {
        try TemporaryDirectory.with { directory in
            try writeLog(directory, count: 40, batch: 1, segmentSize: 500)
            let first = segmentPaths(directory)[0]
            let bytes = fileBytes(first)
            writeFile(first, Array(bytes.dropLast(10)))
            #expect(throws: LeaseLogError.self) { _ = try replayAll(directory) }
        }
    }

    @Test func missingSegmentIsReported() throws {
        try TemporaryDirectory.with { directory in
            try writeLog(directory, count: 40, batch: 1, segmentSize: 500)
            let segments = segmentPaths(directory)
            try FileManager.default.removeItem(atPath: segments[1])
            #expect {
                _ = try replayAll(directory)
            } throws: { error in
                guard case LeaseLogError.missingRecords(let segment, _, _) = error else { return false }
                return segment == segments[2]
            }
        }
    }

    @Test func repairCutsAtTheNamedOffsetAndSetsTheRestAside() throws {
        try TemporaryDirectory.with { directory in
            try writeLog(directory, count: 60, batch: 3, segmentSize: 1000)
            let segments = segmentPaths(directory)
            #expect(segments.count >= 3)
            var damaged = fileBytes(segments[1])
            let recordSize = RecordCodec.size(of: Sample.record(1))
            let badOffset = SegmentHeader.size + 2 * recordSize
            damaged[badOffset + 40] ^= 1
            writeFile(segments[1], damaged)

            var failure: LeaseLogError?
            do { _ = try LeaseLog(directory: directory) } catch { failure = error as? LeaseLogError }
            guard case .corruptRecord(let segment, let offset, _) = failure else {
                Issue.record("expected corruptRecord, got \(String(describing: failure))")
                return
            }
            #expect(segment == segments[1] && offset == badOffset)

            let report = try LeaseLog.repair(directory: directory, segment: segment, offset: offset)
            #expect(report.truncatedSegment == segments[1])
            #expect(report.removedBytes == damaged.count - badOffset)
            #expect(report.movedSegments.count == segments.count - 2)
            #expect(
                fileBytes(directory + "/damaged/" + (segment as NSString).lastPathComponent + ".\(offset).cut")
                    == Array(damaged[badOffset...]))

            let firstSegmentRecords = (fileBytes(segments[0]).count - SegmentHeader.size) / recordSize
            let reopened = try LeaseLog(directory: directory)
            #expect(reopened.lastCommitted == UInt64(firstSegmentRecords + 2))
            #expect(try reopened.append(Sample.record(99)) == UInt64(firstSegmentRecords + 3))
            try reopened.commit()
        }
    }

    @Test func repairRejectsPlacesThatAreNotInTheLog() throws {
        try TemporaryDirectory.with { directory in
            let (segment, _) = try writeLog(directory, count: 3)
            #expect(throws: LeaseLogError.self) {
                try LeaseLog.repair(directory: directory, segment: "0000000000000099.seg", offset: 40)
            }
            #expect(throws: LeaseLogError.self) {
                try LeaseLog.repair(directory: directory, segment: segment, offset: 5)
            }
            #expect(throws: LeaseLogError.self) {
                try LeaseLog.repair(directory: directory, segment: segment, offset: 1 << 20)
            }
        }
    }
}
