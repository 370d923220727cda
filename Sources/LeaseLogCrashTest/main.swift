// leaselog-crashtest DIRECTORY SEED [STEP OCCURRENCE]   (LEASELOG_CRASHTEST_DIRECT=0: page cache)
//
// The child process of LeaseLogTests' crash tests. Opens (recovering) the log in DIRECTORY,
// then appends batches of records and commits them, writing each committed sequence number
// (8 bytes, little-endian) to standard output only after `commit()` has returned.
//
// Without STEP: CrashWorkload records forever, until the parent SIGKILLs it at a random moment.
// With STEP (a `LogCompactor.Step`): churn records; after every few commits the log is sealed,
// compacted and retention applied (one day kept), and the process SIGKILLs itself the
// OCCURRENCE-th time the compactor reaches STEP. It exits 0 after 400 commits if it never did.

import LeaseLog

#if canImport(Glibc)
    import Glibc
#endif

/// Writes a line to standard error (the C `stderr` global is not concurrency-safe in Swift 6).
func report(_ message: String) {
    let line = Array((message + "\n").utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

func reportCommitted(_ sequence: UInt64) {
    var committed = sequence.littleEndian
    let written = withUnsafeBytes(of: &committed) { write(1, $0.baseAddress, 8) }
    guard written == 8 else { exit(3) }
}

let arguments = CommandLine.arguments
guard arguments.count == 3 || arguments.count == 5, let seed = UInt64(arguments[2]) else {
    report("usage: leaselog-crashtest DIRECTORY SEED [STEP OCCURRENCE]")
    exit(2)
}

do {
    let directory = arguments[1]
    // LEASELOG_CRASHTEST_DIRECT=0 writes through the page cache; otherwise the log must write
    // directly (the default where the file system can), or the child exits 4.
    let direct = getenv("LEASELOG_CRASHTEST_DIRECT").map { String(cString: $0) != "0" } ?? true
    let log = try LeaseLog(
        directory: directory, options: LeaseLog.Options(segmentSize: 16 << 10, directWrites: direct))
    if direct && !log.writesDirectly {
        report("leaselog-crashtest: the log in \(directory) does not write directly")
        exit(4)
    }
    var random = seed | 1
    func next() -> UInt64 {
        random ^= random << 13
        random ^= random >> 7
        random ^= random << 17
        return random
    }
    if arguments.count == 5 {
        guard let step = LogCompactor.Step(rawValue: arguments[3]), let occurrence = Int(arguments[4]) else {
            report("unknown step \(arguments[3]); one of \(LogCompactor.Step.allCases.map(\.rawValue))")
            exit(2)
        }
        let seen = Counter()
        let compactor = LogCompactor(directory: directory) { reached in
            if reached == step && seen.increment() == occurrence { raise(SIGKILL) }
        }
        for commit in 1...400 {
            for _ in 0..<(1 + next() % 40) { try log.append(CrashWorkload.churnRecord(for: log.lastAppended + 1)) }
            reportCommitted(try log.commit())
            if commit % 5 == 0 {
                _ = try log.sealForCompaction()
                try compactor.compact()
                try compactor.applyRetention(
                    now: CrashWorkload.churnRecord(for: log.lastCommitted).time, retentionDays: 1)
            }
        }
        exit(0)
    }
    while true {
        for _ in 0..<(1 + next() % 48) { try log.append(CrashWorkload.record(for: log.lastAppended + 1)) }
        reportCommitted(try log.commit())
    }
} catch {
    report("leaselog-crashtest: \(error)")
    exit(1)
}

/// Counts the steps seen (the observer is `@Sendable`; this process has one thread).
final class Counter: @unchecked Sendable {
    private var value = 0
    func increment() -> Int {
        value += 1
        return value
    }
}
