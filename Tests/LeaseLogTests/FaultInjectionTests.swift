import Foundation
import Glibc
import PortLeaseTestSupport
import Testing

@testable import LeaseLog

@Suite struct FaultInjectionTests {
    @Test(arguments: [ENOSPC, EIO])
    func failedWriteReportsNothingDurableAndTheLogStaysUsable(errno code: Int32) throws {
        try TemporaryDirectory.with { directory in
            let fileSystem = FaultyFileSystem()
            let log = try LeaseLog(directory: directory, options: LeaseLog.Options(fileSystem: fileSystem))
            for n in 1...4 { try log.append(Sample.record(n)) }
            try log.commit()
            for n in 5...8 { try log.append(Sample.record(n)) }
            fileSystem.faults.withLock { $0.writeErrno = code }
            #expect {
                try log.commit()
            } throws: { error in
                guard case LeaseLogError.system(let failure) = error else { return false }
                return failure.errno == code && failure.operation == "write"
            }
            #expect(log.lastCommitted == 4)
            #expect(log.pendingCount == 4)
            #expect(log.failure == nil)
            // The half-written batch was cut off again: the file holds exactly the committed records.
            #expect(try replayAll(directory).records.count == 4)
            #expect(try replayAll(directory).report.truncatedTail == nil)

            fileSystem.faults.withLock { $0.writeErrno = nil }
            #expect(try log.commit() == 8)
            #expect(try replayAll(directory).records.map(\.record) == (1...8).map { Sample.record($0) })
        }
    }

    @Test func failedSyncFailsTheLog() throws {
        try TemporaryDirectory.with { directory in
            let fileSystem = FaultyFileSystem()
            let log = try LeaseLog(directory: directory, options: LeaseLog.Options(fileSystem: fileSystem))
            try log.append(Sample.record(1))
            try log.commit()
            try log.append(Sample.record(2))
            fileSystem.faults.withLock { $0.syncErrno = EIO }
            #expect {
                try log.commit()
            } throws: { error in
                guard case LeaseLogError.syncFailed(let failure) = error else { return false }
                return failure.errno == EIO
            }
            #expect(log.lastCommitted == 1)
            #expect(log.failure?.errno == EIO)
            fileSystem.faults.withLock { $0.syncErrno = nil }
            // Not retryable: every later call says the log has failed.
            #expect(throws: LeaseLogError.logFailed(cause: log.failure!)) { try log.commit() }
            #expect(throws: LeaseLogError.logFailed(cause: log.failure!)) { try log.append(Sample.record(3)) }
            // Reopening recovers what is on disk: record 2 was written, its commit never returned.
            let reopened = try LeaseLog(directory: directory)
            #expect(reopened.lastCommitted >= 1)
        }
    }

    @Test func failedTruncateAfterAFailedWriteFailsTheLog() throws {
        try TemporaryDirectory.with { directory in
            let fileSystem = FaultyFileSystem()
            let log = try LeaseLog(directory: directory, options: LeaseLog.Options(fileSystem: fileSystem))
            try log.append(Sample.record(1))
            fileSystem.faults.withLock {
                $0.writeErrno = EIO
                $0.truncateErrno = EIO
            }
            #expect(throws: LeaseLogError.self) { try log.commit() }
            #expect(log.failure?.operation == "ftruncate")
            #expect(log.lastCommitted == 0)
        }
    }

    @Test func failedRotationKeepsTheBatchPending() throws {
        try TemporaryDirectory.with { directory in
            let fileSystem = FaultyFileSystem()
            let log = try LeaseLog(
                directory: directory, options: LeaseLog.Options(segmentSize: 100, fileSystem: fileSystem))
            try log.append(Sample.record(1))
            try log.commit()
            try log.append(Sample.record(2))
            fileSystem.faults.withLock { $0.writeErrno = ENOSPC }  // the new segment's header cannot be written
            #expect(throws: LeaseLogError.self) { try log.commit() }
            #expect(log.failure == nil)
            #expect(log.pendingCount == 1)
            fileSystem.faults.withLock { $0.writeErrno = nil }
            #expect(try log.commit() == 2)
            #expect(try replayAll(directory).records.count == 2)
        }
    }

    @Test func unwritableDirectoryIsATypedError() {
        TemporaryDirectory.with { directory in
            // A regular file where the log's parent directory should be: mkdir fails even for root.
            writeFile(directory + "/file", [1])
            #expect {
                _ = try LeaseLog(directory: directory + "/file/shard0")
            } throws: { error in
                guard case LeaseLogError.system(let failure) = error else { return false }
                return failure.operation == "mkdir" && failure.errno == ENOTDIR
                    && failure.path == directory + "/file/shard0"
            }
        }
    }
}
