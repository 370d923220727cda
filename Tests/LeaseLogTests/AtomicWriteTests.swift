import Foundation
import PortLeaseTestSupport
import Testing

@testable import LeaseLog

/// `writeAtomically`, the one atomic write (segment headers, repairs, the server's DUID):
/// the old contents or the new, never a mix, and no temporary file left behind.
@Suite struct AtomicWriteTests {
    @Test(arguments: [true, false]) func replacesTheContentsWhole(sync: Bool) throws {
        try TemporaryDirectory.with { directory in
            let path = directory + "/server-duid"
            for text in ["old contents\n", "new"] {
                let bytes = Array(text.utf8)
                try bytes.withUnsafeBytes {
                    try SystemFileSystem().writeAtomically($0, to: path, directory: directory, sync: sync)
                }
                #expect(fileBytes(path) == bytes)
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["server-duid"])
        }
    }

    @Test func aFailedWriteLeavesTheOldContentsAndNamesTheStep() throws {
        try TemporaryDirectory.with { directory in
            let path = directory + "/server-duid"
            let old = Array("old\n".utf8)
            try old.withUnsafeBytes {
                try SystemFileSystem().writeAtomically($0, to: path, directory: directory, sync: true)
            }
            // The temporary file's name is taken by a directory: opening it for writing fails.
            try FileManager.default.createDirectory(atPath: path + ".tmp", withIntermediateDirectories: false)
            #expect(
                throws: LeaseLogError.system(SystemCallFailure(operation: "open", path: path + ".tmp", errno: EISDIR))
            ) {
                try Array("new\n".utf8).withUnsafeBytes {
                    try SystemFileSystem().writeAtomically($0, to: path, directory: directory, sync: true)
                }
            }
            #expect(fileBytes(path) == old)
        }
    }

    @Test func aFailedSyncRemovesTheTemporaryFileAndKeepsTheOldContents() throws {
        try TemporaryDirectory.with { directory in
            let path = directory + "/snapshot"
            try [UInt8(1)].withUnsafeBytes {
                try SystemFileSystem().writeAtomically($0, to: path, directory: directory, sync: true)
            }
            let failing = FaultyFileSystem()
            failing.faults.withLock { $0.syncErrno = EIO }
            #expect(throws: LeaseLogError.self) {
                try [UInt8(2)].withUnsafeBytes {
                    try failing.writeAtomically($0, to: path, directory: directory, sync: true)
                }
            }
            #expect(fileBytes(path) == [1])
            #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
        }
    }
}
