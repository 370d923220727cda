import Foundation
import Testing

@testable import LeaseLog

@Suite struct LogRecoveryTests {
    /// Writes `count` records in batches of `batch` and returns the last segment's path and the
    /// offset where its last record starts. Segments are not preallocated, so each file ends
    /// where its records do (the preallocated layout has tests of its own, below).
    @discardableResult
    private func writeLog(_ directory: String, count: Int, batch: Int = 4, segmentSize: Int = 64 << 20) throws
        -> (segment: String, lastRecordStart: Int)
    {
        let log = try LeaseLog(
            directory: directory, options: LeaseLog.Options(segmentSize: segmentSize, preallocate: false))
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
            let log = try LeaseLog(directory: directory, options: LeaseLog.Options(preallocate: false))
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
            for tail in [[UInt8](repeating: 0xA5, count: 200), [0, 0, 0, 0, 0, 0, 7]] {
                writeFile(segment, original + tail)
                let (records, report) = try replayAll(directory)
                #expect(records.count == 5)
                #expect(report.truncatedTail?.offset == original.count)
                #expect(report.truncatedTail?.discardedBytes == tail.count)
            }
        }
    }

    @Test func aZeroFilledRestIsTheEndNotATornTail() throws {
        try TemporaryDirectory.with { directory in
            let (segment, _) = try writeLog(directory, count: 5)
            writeFile(segment, fileBytes(segment) + [UInt8](repeating: 0, count: 4096))
            let (records, report) = try replayAll(directory)
            #expect(records.count == 5)
            #expect(report.truncatedTail == nil)
        }
    }

    @Test func aPreallocatedSegmentIsAppendedInPlaceAndReopenedAtItsLastRecord() throws {
        try TemporaryDirectory.with { directory in
            let options = LeaseLog.Options(segmentSize: 1 << 20)
            let log = try LeaseLog(directory: directory, options: options)
            for n in 1...6 { try log.append(Sample.record(n)) }
            try log.commit()
            log.close()
            let segment = try #require(segmentPaths(directory).last)
            // Allocated ahead: the file is its full size, the records at its start, zeros after.
            let bytes = fileBytes(segment)
            #expect(bytes.count == options.segmentSize + LeaseLog.preallocationSlack)
            let end = SegmentHeader.size + (1...6).map { RecordCodec.size(of: Sample.record($0)) }.reduce(0, +)
            #expect(bytes[end...].allSatisfy { $0 == 0 })
            let (records, report) = try replayAll(directory)
            #expect(records.map(\.sequence) == Array(1...6))
            #expect(report.truncatedTail == nil)
            // Reopened: appends go right after record 6, not after the allocation.
            let reopened = try LeaseLog(directory: directory, options: options)
            try reopened.append(Sample.record(7))
            try reopened.commit()
            reopened.close()
            #expect(try replayAll(directory).records.map(\.sequence) == Array(1...7))
            #expect(fileBytes(segment).count == options.segmentSize + LeaseLog.preallocationSlack)
        }
    }

    @Test func aTornRecordInAPreallocatedSegmentIsTruncated() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory, options: LeaseLog.Options(segmentSize: 1 << 20))
            for n in 1...4 { try log.append(Sample.record(n)) }
            try log.commit()
            log.close()
            let segment = try #require(segmentPaths(directory).last)
            var bytes = fileBytes(segment)
            let last = SegmentHeader.size + (1...3).map { RecordCodec.size(of: Sample.record($0)) }.reduce(0, +)
            // Only the start of record 4 reached the disk: the rest of its blocks read as zeros.
            for index in (last + 10)..<(last + RecordCodec.size(of: Sample.record(4))) { bytes[index] = 0 }
            writeFile(segment, bytes)
            let (records, report) = try replayAll(directory)
            #expect(records.map(\.sequence) == [1, 2, 3])
            #expect(report.truncatedTail?.offset == last)
        }
    }

    @Test func aSealedSegmentIsCutToItsRecords() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory, options: LeaseLog.Options(segmentSize: 4096))
            var n = 0
            while segmentPaths(directory).count < 2 {
                n += 1
                try log.append(Sample.record(n))
                try log.commit()
            }
            log.close()
            let sealed = try #require(segmentPaths(directory).first)
            let size = fileBytes(sealed).count
            #expect(size >= 4096 && size < 4096 + RecordCodec.size(of: Sample.record(n)) + 1)
            #expect(try replayAll(directory).records.count == n)
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
