// HistoryBench: ships generated shard logs (Benchmarks/HistoryGenerator) into PostgreSQL through
// the real HistoryShipper and times HistoryQuery over the result (issue 15). One instance per
// `ship` process, as each server ships its own shards on its own control-plane thread.
// Benchmarks/history-trace.sh runs the whole benchmark; results in Benchmarks/history-results.md.
//
//   swift build -c release --scratch-path .build-hist-rel --product HistoryBench
//   HistoryBench ship --database postgresql://portlease@127.0.0.1:25432/history?sslmode=disable \
//       --instance bench-0 --dir /work/histbench-data/shards/bench-0/shard-0
//   HistoryBench trace --database postgresql://portlease@127.0.0.1:25432/history?sslmode=disable --queries 1000

import Foundation
import Logging
import PortLeaseHistory

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .info
    return handler
}

do {
    let options = try BenchOptions(arguments: Array(CommandLine.arguments.dropFirst()))
    let logger = Logger(label: "history-bench")
    switch options.mode {
    case .ship: try await ship(options, logger: logger)
    case .trace: try await trace(options, logger: logger)
    case .load: try await load(options, logger: logger)
    }
} catch {
    FileHandle.standardError.write(Data("HistoryBench: \(HistoryClient.describe(error))\n".utf8))
    exit(1)
}
