import Foundation
import Glibc
import PortLeaseWire
import Testing

@testable import LeaseLog
@testable import leaselog_crashtest

/// SIGKILL during compaction, at every step: the child (`leaselog-crashtest DIR SEED STEP N`)
/// appends, commits, compacts and applies retention, and kills itself the N-th time the
/// compactor reaches STEP. Recovery must then give exactly the live leases of every committed
/// record, and the history plus the live holdings exactly the holdings of those records
/// (within the retention window), with nothing lost and nothing twice.
@Suite struct CompactionCrashTests {
    private var childPath: String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return (executable as NSString).deletingLastPathComponent + "/leaselog-crashtest"
    }

    private static let addresses = (0..<4).map { IPv4Address(0xC633_6400 | UInt32($0)) }

    @Test(arguments: LogCompactor.Step.allCases)
    func recoveryIsExactAfterAKillAt(step: LogCompactor.Step) throws {
        try TemporaryDirectory.with { directory in
            var highest: UInt64 = 0
            for occurrence in [1, 3, 7] {
                let child = Process()
                child.executableURL = URL(fileURLWithPath: childPath)
                child.arguments = [directory, String(occurrence * 7919), step.rawValue, String(occurrence)]
                let pipe = Pipe()
                child.standardOutput = pipe
                try child.run()
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                child.waitUntilExit()
                #expect(
                    child.terminationReason == .uncaughtSignal && child.terminationStatus == SIGKILL,
                    "\(step) #\(occurrence): the child was not killed at the step (status \(child.terminationStatus))")
                if data.count >= 8 {
                    highest = data[(data.count - 8)...].enumerated().reduce(UInt64(0)) {
                        $0 | UInt64($1.element) << (8 * $1.offset)
                    }
                }
                try check(directory, committed: highest, label: "\(step) #\(occurrence)")
            }
        }
    }

    private func check(_ directory: String, committed: UInt64, label: String) throws {
        var rebuilt = LiveTable()
        let report = try LeaseLog.recover(directory: directory) { rebuilt.apply($0.record) }
        #expect(report.lastSequence >= committed, "\(label): committed records lost")
        let records = (1...max(1, report.lastSequence)).map { CrashWorkload.churnRecord(for: $0) }
        var expected = LiveTable()
        records.forEach { expected.apply($0) }
        #expect(rebuilt == expected, "\(label): the recovered live leases differ")

        // Finish the interrupted pass the way a restarted server would, then compare holdings.
        try LogCompactor(directory: directory).compact()
        let window = records.last!.time - 86_400_000
        let inWindow = { (holding: TraceHolding) in holding.end > window }
        let found = try holdingsInLog(directory, addresses: Self.addresses).filter(inWindow)
        let wanted = holdingsFoldedAtOnce(records).filter(inWindow)
        #expect(sortedHoldings(found) == sortedHoldings(wanted), "\(label): holdings differ")
        let stored = try HistoryStore(layout: LogLayout(directory: directory), fileSystem: SystemFileSystem())
        var all: [HoldingEntry] = []
        for day in try stored.days() {
            var entries: [HoldingEntry] = []
            _ = try stored.read(stored.path(ofDay: day), into: &entries)
            all += entries
        }
        #expect(Set(all).count == all.count, "\(label): a holding is in the history twice")
    }
}
