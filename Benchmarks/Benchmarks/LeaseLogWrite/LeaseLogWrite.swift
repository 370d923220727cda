// Lease log benchmarks (issue 4): the buffered append rate, durable group commits of 1, 16,
// 256 and 1024 records (the batch-of-1 wall clock is the fdatasync latency), recovery of
// 10 million records, and trace queries over the same 10 million records, indexed in the
// archive and, for comparison, scanned in the live log.
//
// Run: cd Benchmarks && swift package benchmark --target LeaseLogWrite
// The 10-million-record fixtures (about 0.9 GB each, hard-linked) are built once under
// $LEASELOG_BENCH_DIR (default /tmp/leaselog-bench) and reused by later runs.

import Benchmark
import Foundation
import LeaseLog
import PortLeaseWire

/// A lease record as the engine writes it for a DUID-based client behind one relay.
func workloadRecord(_ n: Int, time: Int64) -> LeaseRecord {
    let client = UInt32(truncatingIfNeeded: n &* 2_654_435_761) % 200_000
    let events: [LeaseRecord.Event] = [.bind, .renew, .renew, .renew, .release]
    let slot = Int(client) % (4096 * 64)
    return LeaseRecord(
        event: events[n % events.count], time: time,
        clientKey: ClientKey(
            kind: .clientIdentifier,
            bytes: [0xFF, 0, 0, 0, 1, 0, 1, 0, 1, 0x2A, 0x3B, 0x4C, 0x5D, 0x02, 0]
                + withUnsafeBytes(of: client.bigEndian, Array.init)),
        subscriber: IPv6Address(high: 0x2001_0DB8_0000_0000 | UInt64(client >> 8), low: UInt64(client)),
        relay: RelayIdentity(
            linkAddress: IPv6Address(high: 0x2001_0DB8_FFFF_0000, low: UInt64(client % 64)),
            interfaceID: Array("ge-0/0/1".utf8)),
        address: IPv4Address(0xC633_0000 | UInt32(slot / 64)), psid: UInt16(slot % 64), psidLength: 6,
        psidOffset: 6, lifetime: 86_400)
}

let benchRoot = ProcessInfo.processInfo.environment["LEASELOG_BENCH_DIR"] ?? "/tmp/leaselog-bench"
let bigCount = 10_000_000
let historyStart: Int64 = 1_780_000_000_000
let historySpan: Int64 = 180 * 86_400_000

/// 10 million records over 180 days in a live log (for recovery), and the same segments
/// hard-linked into a second log and compacted into its archive (for indexed trace queries).
func bigFixture() -> (live: String, archived: String) {
    let live = benchRoot + "/live-10M"
    let archived = benchRoot + "/archived-10M"
    let marker = benchRoot + "/ready-10M"
    if FileManager.default.fileExists(atPath: marker) { return (live, archived) }
    try? FileManager.default.removeItem(atPath: benchRoot)
    do {
        try FileManager.default.createDirectory(atPath: benchRoot, withIntermediateDirectories: true)
        let log = try LeaseLog(directory: live, options: LeaseLog.Options(durability: .none))
        for n in 0..<bigCount {
            try log.append(workloadRecord(n, time: historyStart + Int64(n) * historySpan / Int64(bigCount)))
            if n % 1024 == 1023 { try log.commit() }
        }
        try log.commit()
        log.close()
        try FileManager.default.createDirectory(atPath: archived, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: live) where name.hasSuffix(".seg") {
            try FileManager.default.linkItem(atPath: live + "/" + name, toPath: archived + "/" + name)
        }
        let archive = try LeaseLog(directory: archived)
        let point = try archive.sealForCompaction()
        archive.close()
        try LogCompactor(directory: archived).compact(point, liveLeases: [])
        FileManager.default.createFile(atPath: marker, contents: Data())
    } catch {
        fatalError("cannot build the benchmark fixture in \(benchRoot): \(error)")
    }
    return (live, archived)
}

/// A fresh empty log directory for the commit benchmarks.
func freshDirectory(_ name: String) -> String {
    let path = benchRoot + "/" + name
    try? FileManager.default.removeItem(atPath: path)
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal],
        maxDuration: .seconds(3),
        maxIterations: 100_000
    )

    let records = (0..<1024).map { workloadRecord($0, time: historyStart + Int64($0)) }

    Benchmark(
        "Append+encode one record (buffered, no I/O)",
        configuration: .init(scalingFactor: .kilo, maxIterations: 1_000_000)
    ) { benchmark in
        let log = try LeaseLog(directory: freshDirectory("append"))
        benchmark.startMeasurement()
        for iteration in benchmark.scaledIterations {
            blackHole(try log.append(records[iteration & 1023]))
            if iteration & 1023 == 1023 { log.discardPending() }
        }
        benchmark.stopMeasurement()
        log.discardPending()
    }

    for (batch, durability) in [
        (1, LeaseLog.Durability.fsync), (16, .fsync), (256, .fsync), (1024, .fsync), (256, .none),
    ] {
        let name = durability == .fsync ? "fsync" : "no fsync"
        Benchmark(
            "Commit a batch of \(batch) (\(name))",
            configuration: .init(maxDuration: .seconds(5), maxIterations: 2_000)
        ) { benchmark in
            let log = try LeaseLog(
                directory: freshDirectory("commit-\(batch)"), options: LeaseLog.Options(durability: durability))
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                for index in 0..<batch { try log.append(records[index & 1023]) }
                blackHole(try log.commit())
            }
            benchmark.stopMeasurement()
        }
    }

    Benchmark(
        "Recover 10M records",
        configuration: .init(
            metrics: [.wallClock, .cpuTotal], warmupIterations: 0, maxDuration: .seconds(30), maxIterations: 3)
    ) { benchmark in
        let (live, _) = bigFixture()
        benchmark.startMeasurement()
        var count = 0
        let report = try LeaseLog.recover(directory: live) { replayed in count &+= Int(replayed.record.psid) &+ 1 }
        benchmark.stopMeasurement()
        precondition(report.lastSequence == UInt64(bigCount))
        blackHole(count)
    }

    Benchmark(
        "Trace query, 10M records in the indexed archive",
        configuration: .init(
            metrics: [.wallClock, .cpuTotal, .mallocCountTotal], maxDuration: .seconds(10), maxIterations: 200)
    ) { benchmark in
        let (_, archived) = bigFixture()
        let history = LeaseHistory(directory: archived)
        var seed = 12_345
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            seed = seed &* 1_103_515_245 &+ 12_345
            let address = IPv4Address(0xC633_0000 | UInt32((seed >> 8) & 4095))
            let port = UInt16(1024 + (seed >> 4) % 64_512)
            let time = historyStart + Int64((seed >> 3) & 0xFFFF_FFFF) % historySpan
            blackHole(try history.holders(of: address, port: port, at: time))
        }
        benchmark.stopMeasurement()
    }

    Benchmark(
        "Trace query, 10M records scanned in live segments",
        configuration: .init(
            metrics: [.wallClock, .cpuTotal], warmupIterations: 0, maxDuration: .seconds(20), maxIterations: 3)
    ) { benchmark in
        let (live, _) = bigFixture()
        let history = LeaseHistory(directory: live)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(
                try history.holders(of: IPv4Address(0xC633_0123), port: 40_000, at: historyStart + historySpan / 2))
        }
        benchmark.stopMeasurement()
    }
}
