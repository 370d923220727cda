// leaselog-crashtest DIRECTORY SEED
//
// The child process of LeaseLogTests' crash test. Opens (recovering) the log in DIRECTORY,
// then appends batches of CrashWorkload records and commits them forever, writing each
// committed sequence number (8 bytes, little-endian) to standard output only after
// `commit()` has returned. The parent SIGKILLs it at a random moment and checks recovery.

import LeaseLog

#if canImport(Glibc)
    import Glibc
#endif

/// Writes a line to standard error (the C `stderr` global is not concurrency-safe in Swift 6).
func report(_ message: String) {
    let line = Array((message + "\n").utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

let arguments = CommandLine.arguments
guard arguments.count == 3, let seed = UInt64(arguments[2]) else {
    report("usage: leaselog-crashtest DIRECTORY SEED")
    exit(2)
}

do {
    let log = try LeaseLog(directory: arguments[1], options: LeaseLog.Options(segmentSize: 16 << 10))
    var random = seed | 1
    while true {
        random ^= random << 13
        random ^= random >> 7
        random ^= random << 17
        for _ in 0..<(1 + random % 48) {
            try log.append(CrashWorkload.record(for: log.lastAppended + 1))
        }
        var committed = try log.commit().littleEndian
        let written = withUnsafeBytes(of: &committed) { write(1, $0.baseAddress, 8) }
        guard written == 8 else { exit(3) }
    }
} catch {
    report("leaselog-crashtest: \(error)")
    exit(1)
}
