import Foundation
import Glibc
import LeaseLog
import Testing

@testable import leaselog_crashtest

/// The crash test: a child process appends and commits in a loop and is SIGKILLed at random
/// moments; after every kill, recovery must return every record whose commit had returned
/// (the child reports those through a pipe, only after `commit()` returns) and nothing the
/// child did not write.
@Suite struct CrashTests {
    /// `leaselog-crashtest`, built next to the test bundle because LeaseLogTests depends on it.
    private var childPath: String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return (executable as NSString).deletingLastPathComponent + "/leaselog-crashtest"
    }

    /// With direct writes (the default: each commit one durable write, the block it starts in
    /// written again) and through the page cache (where a file system has no direct I/O). The
    /// directory is under /var/tmp, on disk on Debian even where /tmp is a tmpfs; the child
    /// exits 4 if it cannot write directly there.
    @Test(arguments: [(direct: true, kills: 30), (direct: false, kills: 15)])
    func recoveryKeepsEveryCommittedRecordAcrossKills(direct: Bool, kills: Int) throws {
        #expect(FileManager.default.isExecutableFile(atPath: childPath), "missing \(childPath)")
        try TemporaryDirectory.with(under: "/var/tmp") { directory in
            var generator = SystemRandomNumberGenerator()
            var highestReported: UInt64 = 0
            var killsDuringWork = 0
            for round in 0..<kills {
                let child = Process()
                child.executableURL = URL(fileURLWithPath: childPath)
                child.arguments = [directory, String(UInt64.random(in: 1...UInt64.max, using: &generator))]
                child.environment = ProcessInfo.processInfo.environment.merging(
                    ["LEASELOG_CRASHTEST_DIRECT": direct ? "1" : "0"]) { $1 }
                let pipe = Pipe()
                child.standardOutput = pipe
                try child.run()
                // Wait for the child's first durable commit (it starts by recovering a growing
                // log, slower on a loaded machine), then kill it at a random moment after.
                let first = pipe.fileHandleForReading.readData(ofLength: 8)
                usleep(UInt32.random(in: 0...150_000, using: &generator))
                kill(child.processIdentifier, SIGKILL)
                child.waitUntilExit()
                #expect(child.terminationReason == .uncaughtSignal, "round \(round): the child exited on its own")
                let data = first + pipe.fileHandleForReading.readDataToEndOfFile()
                let reported = stride(from: 0, to: data.count - data.count % 8, by: 8).map { offset in
                    data[offset..<(offset + 8)].enumerated().reduce(UInt64(0)) {
                        $0 | UInt64($1.element) << (8 * $1.offset)
                    }
                }
                if let last = reported.last {
                    #expect(reported == reported.sorted(), "round \(round): commits out of order")
                    highestReported = max(highestReported, last)
                    killsDuringWork += 1
                }

                var sequences: [UInt64] = []
                var wrong: [UInt64] = []
                let report = try LeaseLog.recover(directory: directory) { replayed in
                    sequences.append(replayed.sequence)
                    if replayed.record != CrashWorkload.record(for: replayed.sequence) {
                        wrong.append(replayed.sequence)
                    }
                }
                #expect(wrong.isEmpty, "round \(round): records not written by the child: \(wrong.prefix(5))")
                #expect(
                    sequences.enumerated().allSatisfy { $0.element == UInt64($0.offset + 1) }, "round \(round): gap")
                #expect(report.lastSequence >= highestReported, "round \(round): committed records lost")
                #expect(UInt64(sequences.count) == report.lastSequence, "round \(round)")
            }
            #expect(killsDuringWork == kills, "every kill should land after the child has committed")
            #expect(segmentPaths(directory).count > 1, "the workload should have rotated segments")
        }
    }
}
