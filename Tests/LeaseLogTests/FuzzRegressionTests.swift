import Foundation
import Testing

@testable import LeaseLog

/// Cases the lease-log fuzzer (`scripts/fuzz leaselog`, Fuzz/README.md) found; each
/// reproducer is also kept in `Fuzz/corpus/leaselog/` so the smoke run replays it.
@Suite struct FuzzRegressionTests {
    /// Opening a log whose last segment ends before the records recovery already counts
    /// (here: a segment header claiming to start at record 0, with no records) starts a new
    /// segment at the next sequence number; recovery must then accept the gap, which holds
    /// no record, instead of reporting records missing on the next start.
    /// Reproducer: `Fuzz/corpus/leaselog/regression-gap-before-new-segment`.
    @Test func newSegmentAfterASegmentEndingEarlyRecovers() throws {
        try TemporaryDirectory.with { directory in
            let header = ByteBuffer(capacity: SegmentHeader.size)
            SegmentHeader(number: 1, firstSequence: 0).encode(into: header)
            writeFile(directory + "/" + LogLayout.name(ofSegment: 1), Array(header.bytes))
            try appendOneAndRecover(directory, expectedLast: 1)
        }
    }

    /// The same through the real writer: compaction folded segments 1 and 2 into the snapshot
    /// but crashed before deleting segment 2; later the operator repaired damage inside
    /// segment 2 (cutting it after its first record and setting segment 3 aside). The server
    /// opens the log and appends after the snapshot; the next start must recover.
    @Test func appendAfterRepairingASegmentTheSnapshotCoversRecovers() throws {
        try TemporaryDirectory.with { directory in
            try writeSegments(directory, records: 9)
            let segments = segmentPaths(directory)
            #expect(segments.count == 3)
            let second = fileBytes(segments[1])
            try LogCompactor(directory: directory).compact()
            writeFile(segments[1], second)
            let recordSize = RecordCodec.size(of: Sample.record(4))
            try LeaseLog.repair(directory: directory, segment: segments[1], offset: SegmentHeader.size + recordSize)
            try appendOneAndRecover(directory, expectedLast: 7)
        }
    }

    /// A snapshot header whose checksum holds but whose entry count or index offset is beyond
    /// any file (here: all ones) is reported as a corrupt snapshot; converting it to `Int`
    /// trapped. Reproducer: `Fuzz/corpus/leaselog/regression-snapshot-count-overflow`.
    @Test(arguments: [16, 24]) func snapshotHeaderFieldsTooLargeAreCorruption(field: Int) throws {
        try TemporaryDirectory.with { directory in
            try writeSegments(directory, records: 6)
            try LogCompactor(directory: directory).compact()
            let path = directory + "/snapshot"
            var bytes = fileBytes(path)
            bytes.replaceSubrange(field..<(field + 8), with: [UInt8](repeating: 0xFF, count: 8))
            let crc = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<60])) }
            withUnsafeBytes(of: crc.littleEndian) { bytes.replaceSubrange(60..<64, with: $0) }
            writeFile(path, bytes)
            #expect {
                _ = try replayAll(directory)
            } throws: { error in
                guard case LeaseLogError.corruptSnapshot(_, let offset, _) = error else { return false }
                return offset == 0
            }
        }
    }

    /// Writes records 1...`records` in commits of three, each into a segment of its own.
    private func writeSegments(_ directory: String, records: Int) throws {
        let log = try LeaseLog(directory: directory, options: LeaseLog.Options(segmentSize: 64))
        for n in 1...records {
            try log.append(Sample.record(n))
            if n % 3 == 0 { try log.commit() }
        }
        log.close()
    }

    /// Opens the log, appends and commits one record, closes it, and recovers: no damage,
    /// and the record is the last one, numbered `expectedLast`.
    private func appendOneAndRecover(_ directory: String, expectedLast: UInt64) throws {
        let log = try LeaseLog(directory: directory)
        #expect(try log.append(Sample.record(50)) == expectedLast)
        try log.commit()
        log.close()
        let (records, report) = try replayAll(directory)
        #expect(report.truncatedTail == nil)
        #expect(report.lastSequence == expectedLast)
        #expect(records.last?.record == Sample.record(50))
    }
}
