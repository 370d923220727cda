import Foundation
import LeaseLog
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A segment written with direct I/O: each commit one durable write of whole blocks, the block
/// it starts in written again with the same bytes. The test directories are on the machine's
/// disk (ext4 here), which has direct I/O.
@Suite struct DirectAppenderTests {
    /// On disk on Debian even where /tmp is a tmpfs (without direct I/O before Linux 6.6).
    static let onDisk = "/var/tmp"

    /// Does what a shard worker's ring does with a ``LeaseLog/SyncRequest``, and returns the
    /// result io_uring would report.
    static func perform(_ request: LeaseLog.SyncRequest) -> Int32 {
        switch request {
        case .dataSync(let descriptor):
            return fdatasync(descriptor) == 0 ? 0 : -errno
        case .durableWrite(let descriptor, let bytes, let offset):
            let written = pwrite(descriptor, bytes.baseAddress, bytes.count, off_t(offset))
            return written < 0 ? -errno : Int32(written)
        }
    }

    /// A log in `directory` with record 1 appended and written, not yet durable.
    static func logWithOneRecordWritten(_ directory: String) throws -> LeaseLog {
        let log = try LeaseLog(directory: directory)
        try log.append(Sample.record(1))
        try log.write()
        return log
    }

    @Test func anFsyncLogOnDiskWritesDirectlyAndOtherwiseNot() throws {
        try TemporaryDirectory.with(under: Self.onDisk) { directory in
            let byDefault = try LeaseLog(directory: directory + "/a")
            let notAsked = try LeaseLog(directory: directory + "/b", options: .init(directWrites: false))
            let withoutSync = try LeaseLog(directory: directory + "/c", options: .init(durability: .none))
            let notAllocated = try LeaseLog(directory: directory + "/d", options: .init(preallocate: false))
            #expect(byDefault.writesDirectly)
            #expect(!notAsked.writesDirectly && !withoutSync.writesDirectly && !notAllocated.writesDirectly)
        }
    }

    /// Commits of every size, in line and pipelined, across block boundaries, a reopen in the
    /// middle of a block and a rotation: what is replayed is every committed record, in order.
    @Test(arguments: [true, false])
    func everyCommittedRecordIsReadBack(direct: Bool) throws {
        try TemporaryDirectory.with(under: Self.onDisk) { directory in
            let options = LeaseLog.Options(segmentSize: 16 << 10, directWrites: direct)
            var n = 0
            do {
                let log = try LeaseLog(directory: directory, options: options)
                #expect(log.writesDirectly == direct)
                for size in [1, 2, 7, 30, 1, 64, 3] {
                    for _ in 0..<size {
                        n += 1
                        try log.append(Sample.record(n))
                    }
                    try log.commit()
                }
                // Pipelined: a second batch written while the first one's write is in flight.
                n += 1
                try log.append(Sample.record(n))
                try log.write()
                let begun = try #require(try log.beginSync())
                n += 1
                try log.append(Sample.record(n))
                try log.write(mayRotate: false)
                #expect(
                    try log.completeSync(through: begun.through, result: Self.perform(begun.request)) == UInt64(n - 1))
                #expect(try log.syncWritten() == UInt64(n))
            }
            // Reopened with its end inside a block: that block's bytes are read back, kept, and
            // written again before the new records.
            let log = try LeaseLog(directory: directory, options: options)
            #expect(log.lastCommitted == UInt64(n))
            #expect(log.writesDirectly == direct)
            for _ in 0..<400 {
                n += 1
                try log.append(Sample.record(n))
                try log.commit()
            }
            #expect(segmentPaths(directory).count >= 2)  // rotated on the way
            let replayed = try replayAll(directory)
            #expect(replayed.records.map(\.sequence) == Array(1...UInt64(n)))
            #expect(replayed.records.map(\.record) == (1...n).map { Sample.record($0) })
            #expect(replayed.report.truncatedTail == nil)
        }
    }

    /// A log written through the page cache (an older PortLease, or a file system without
    /// direct I/O then) and reopened with direct writes goes on in the same segment, its last
    /// block read back; and the other way round.
    @Test func aSegmentChangesWritersAcrossARestart() throws {
        try TemporaryDirectory.with(under: Self.onDisk) { directory in
            var n = 0
            for direct in [false, true, false, true] {
                let log = try LeaseLog(directory: directory, options: .init(directWrites: direct))
                #expect(log.writesDirectly == direct)
                for _ in 0..<37 {
                    n += 1
                    try log.append(Sample.record(n))
                    if n % 5 == 0 { try log.commit() }
                }
                try log.commit()
            }
            #expect(segmentPaths(directory).count == 1)
            #expect(try replayAll(directory).records.map(\.record) == (1...n).map { Sample.record($0) })
        }
    }

    /// A durable write that reports fewer bytes than it was given fails the log, as a failed
    /// `fdatasync` does: nothing it covered is reported durable.
    @Test func aShortDurableWriteFailsTheLog() throws {
        try TemporaryDirectory.with(under: Self.onDisk) { directory in
            let log = try Self.logWithOneRecordWritten(directory)
            try #require(log.writesDirectly)
            let begun = try #require(try log.beginSync())
            guard case .durableWrite(_, let bytes, _) = begun.request else {
                Issue.record("a direct segment asks for a durable write, not \(begun.request)")
                return
            }
            #expect(throws: LeaseLogError.self) {
                try log.completeSync(through: begun.through, result: Int32(bytes.count - 512))
            }
            #expect(log.lastCommitted == 0)
            #expect(log.failure != nil)
        }
    }

    /// A sync begun but never handed to the kernel (a failed io_uring submit) fails the log:
    /// its records left the held buffer for a write that never went, so no later sync may
    /// claim them.
    @Test func aSyncThatCouldNotBeSubmittedFailsTheLog() throws {
        try TemporaryDirectory.with(under: Self.onDisk) { directory in
            let log = try Self.logWithOneRecordWritten(directory)
            let begun = try #require(try log.beginSync())
            log.abandonSync(SystemCallFailure(operation: "io_uring sync submit", path: directory, errno: ENOMEM))
            #expect(log.failure?.errno == ENOMEM)
            #expect(throws: LeaseLogError.self) { try log.syncWritten() }
            #expect(throws: LeaseLogError.self) { try log.completeSync(through: begun.through, result: 4096) }
            #expect(log.lastCommitted == 0)
        }
    }

    /// A second sync begun while one is in flight is refused: it would change the memory the
    /// first is being written from. The one in flight still completes.
    @Test func aSecondSyncInFlightIsRefused() throws {
        try TemporaryDirectory.with(under: Self.onDisk) { directory in
            let log = try Self.logWithOneRecordWritten(directory)
            try #require(log.writesDirectly)
            let begun = try #require(try log.beginSync())
            try log.append(Sample.record(2))
            try log.write(mayRotate: false)
            #expect(throws: LeaseLogError.self) { try log.beginSync() }
            #expect(try log.completeSync(through: begun.through, result: Self.perform(begun.request)) == 1)
            #expect(try log.syncWritten() == 2)
            #expect(try replayAll(directory).records.count == 2)
        }
    }

    /// A report of a sync that was never begun commits nothing on a direct segment: its records
    /// reach the disk only by the write `beginSync` prepares.
    @Test func aSyncNeverBegunCommitsNothing() throws {
        try TemporaryDirectory.with(under: Self.onDisk) { directory in
            let log = try Self.logWithOneRecordWritten(directory)
            try #require(log.writesDirectly)
            #expect(try log.completeSync(through: 1, result: 0) == 0)
            #expect(try replayAll(directory).records.isEmpty)
            #expect(try log.syncWritten() == 1)
            #expect(try replayAll(directory).records.count == 1)
        }
    }

    /// The bytes past the records stay zeros (readers take them as the segment's end), and a
    /// group larger than the appender's first buffer (256 KiB) is written whole.
    @Test func aLargeGroupIsWrittenWholeAndTheRestReadsAsZeros() throws {
        try TemporaryDirectory.with(under: Self.onDisk) { directory in
            let log = try LeaseLog(directory: directory)
            try #require(log.writesDirectly)
            let count = 5000  // about 500 KiB of records
            for n in 1...count { try log.append(Sample.record(n)) }
            try log.commit()
            let bytes = fileBytes(try #require(segmentPaths(directory).last))
            let records = try replayAll(directory).records
            #expect(records.count == count)
            let end = try #require(bytes.lastIndex { $0 != 0 })
            #expect(bytes.count > end + (64 << 10))  // preallocated, and zeros after the records
        }
    }
}
