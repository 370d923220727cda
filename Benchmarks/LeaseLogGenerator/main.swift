// LeaseLogGenerator: writes N live leases through the real LeaseLog API (append, then
// commit in batches), laid out in shards as the server writes them, so that
// `portlease leases` and trace queries can be timed on an ISP-sized log.
//
//   swift run -c release --package-path Benchmarks LeaseLogGenerator --leases 10000000 --out /tmp/ll10m
//   time .build/release/portlease leases --log-dir /tmp/ll10m > /dev/null

import Foundation
import LeaseLog
import PortLeaseWire

do {
    let options = try GeneratorOptions(arguments: Array(CommandLine.arguments.dropFirst()))
    let factory = LeaseFactory(leases: options.leases, lifetime: options.lifetime, seed: options.seed)
    let logOptions = LeaseLog.Options(durability: options.fsync ? .fsync : .none)
    try FileManager.default.createDirectory(atPath: options.output, withIntermediateDirectories: true)
    var logs: [LeaseLog] = []
    for shard in 0..<options.shards {
        let directory = options.output + "/shard-\(shard)"
        let log = try LeaseLog(directory: directory, options: logOptions)
        guard log.lastCommitted == 0 else { throw GeneratorError("\(directory) already holds a log") }
        logs.append(log)
    }
    let started = Date()
    let now = Int64(started.timeIntervalSince1970 * 1000)
    // Binds an hour before now; each renewal pass one minute later than the previous.
    for pass in 0...options.renewals {
        let time = now - 3_600_000 + Int64(pass) * 60_000
        for index in 0..<options.leases {
            let record = factory.record(index, time: time + Int64(index % 60_000), renewal: pass > 0)
            let log = logs[Int(record.clientKey.stableHash % UInt64(options.shards))]
            try log.append(record)
            if log.pendingCount >= options.batch { try log.commit() }
        }
    }
    for log in logs where log.pendingCount > 0 { try log.commit() }
    for log in logs { log.close() }
    let seconds = Date().timeIntervalSince(started)
    let records = options.leases * (options.renewals + 1)
    print(
        "wrote \(records) records (\(options.leases) leases) to \(options.output) in \(options.shards) shard(s), "
            + String(format: "%.1f s", seconds))
} catch {
    FileHandle.standardError.write(Data("LeaseLogGenerator: \(error)\n".utf8))
    exit(1)
}
