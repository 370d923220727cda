import LeaseLog
import Testing

/// The split commit a shard worker pipelines: `write` now, the sync reported later.
@Suite struct PipelinedCommitLogTests {
    @Test(arguments: [true, false])
    func aWriteIsCommittedOnlyWhenItsSyncIsReported(direct: Bool) throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory, options: .init(directWrites: direct))
            for n in 1...3 { try log.append(Sample.record(n)) }
            #expect(try log.write() == 3)
            #expect(log.lastWritten == 3 && log.lastCommitted == 0 && log.pendingCount == 0)
            let unsynced = try #require(try log.beginSync())
            #expect(unsynced.through == 3)
            // More is written while that sync runs; its report commits only what it covered.
            try log.append(Sample.record(4))
            try log.write(mayRotate: false)
            let result = DirectAppenderTests.perform(unsynced.request)
            #expect(try log.completeSync(through: unsynced.through, result: result) == 3)
            #expect(log.unsynced?.through == 4)
            #expect(try log.syncWritten() == 4)
            #expect(log.unsynced == nil)
            #expect(try replayAll(directory).records.count == 4)
        }
    }

    @Test func aFailedSyncFailsTheLog() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory)
            try log.append(Sample.record(1))
            try log.write()
            #expect(try log.beginSync()?.through == 1)
            #expect(throws: LeaseLogError.self) { try log.completeSync(through: 1, result: -5) }
            #expect(log.failure?.code.rawValue == 5)
            #expect(log.lastCommitted == 0)
            #expect(throws: LeaseLogError.self) { try log.append(Sample.record(2)) }
        }
    }

    @Test func withoutFsyncAWriteIsACommit() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory, options: .init(durability: .none))
            try log.append(Sample.record(1))
            try log.write()
            #expect(log.lastCommitted == 1)
            #expect(log.unsynced == nil)
        }
    }

    @Test func aSegmentIsRotatedOnlyWhenNoSyncIsInFlight() throws {
        try TemporaryDirectory.with { directory in
            let log = try LeaseLog(directory: directory, options: .init(segmentSize: 64 << 10))
            // Well past the segment size (about 150 kB), with a sync in flight: the same segment grows.
            var n = 0
            for _ in 1...1500 {
                n += 1
                try log.append(Sample.record(n))
                try log.write(mayRotate: false)
            }
            #expect(segmentPaths(directory).count == 1)
            // The next write that may rotate syncs the full segment first, then starts a new one.
            n += 1
            try log.append(Sample.record(n))
            try log.write()
            #expect(segmentPaths(directory).count == 2)
            #expect(log.lastCommitted == UInt64(n - 1))
            // The last record is written, not durable: on a direct segment it is not on disk yet.
            #expect(try log.syncWritten() == UInt64(n))
            #expect(try replayAll(directory).records.count == n)
        }
    }
}
