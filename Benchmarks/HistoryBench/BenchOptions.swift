import GeneratorSupport

/// What `HistoryBench` does, from its command line (parsed by hand, as the generators do).
struct BenchOptions {
    enum Mode: String {
        /// Ship one generated shard log into the database through `HistoryShipper`, timed.
        case ship
        /// Time `HistoryQuery` over what the database holds: address/port/time, client, /64 prefix.
        case trace
        /// Write one shard's holdings with plain INSERTs (no shipper): see `load`.
        case load
    }

    var mode = Mode.ship
    /// `postgresql://` URL of the history database.
    var database = ""
    /// ship: the instance name the shard is shipped under.
    var instance = ""
    /// ship: the shard directory (as HistoryGenerator wrote it).
    var directory = ""
    /// ship: log records (and backfill holdings) per transaction, the shipper's `batchSize`.
    var batch = 1_000
    /// ship: the shipper's deadline for one exchange with the database.
    var timeoutMilliseconds = 10_000
    /// ship: stop after this many seconds even if the cursor has not reached the log's end
    /// (the rate is then measured over what was shipped).
    var maxSeconds: Int?
    /// trace: address/port/time queries.
    var queries = 1_000
    /// trace: of those, the share drawn at a uniform time over the window (may miss) instead of
    /// inside a sampled holding (a hit).
    var uniformShare = 0.1
    /// trace: queries by client, and by subscriber /64, each over the whole window.
    var clientQueries = 200
    var prefixQueries = 200
    var seed: UInt64 = 1

    static let usage = """
        usage: HistoryBench ship --database URL --instance NAME --dir SHARD_DIR [--batch N] [--timeout-ms MS]
                                 [--max-seconds S]
               HistoryBench load --database URL --instance NAME --dir SHARD_DIR
               HistoryBench trace --database URL [--queries N] [--uniform-share F] [--client-queries N]
                                  [--prefix-queries N] [--seed S]
        """

    init(arguments: [String]) throws(BenchError) {
        var arguments = arguments
        guard let first = arguments.first, let mode = Mode(rawValue: first) else { throw BenchError(Self.usage) }
        self.mode = mode
        arguments.removeFirst()
        var cursor = ArgumentCursor(arguments) { BenchError($0) }
        while let name = cursor.current {
            switch name {
            case "--database": database = try cursor.value()
            case "--instance": instance = try cursor.value()
            case "--dir": directory = try cursor.value()
            case "--batch": batch = try cursor.number()
            case "--timeout-ms": timeoutMilliseconds = try cursor.number()
            case "--max-seconds": maxSeconds = try cursor.number()
            case "--queries": queries = try cursor.number()
            case "--uniform-share":
                let text = try cursor.value()
                guard let share = Double(text), share >= 0, share <= 1 else {
                    throw BenchError("--uniform-share: not a fraction: \(text)")
                }
                uniformShare = share
            case "--client-queries": clientQueries = try cursor.number()
            case "--prefix-queries": prefixQueries = try cursor.number()
            case "--seed": seed = try cursor.number()
            case "--help", "-h": throw BenchError(Self.usage)
            default: throw BenchError("unknown argument \(name)\n\(Self.usage)")
            }
            cursor.advance()
        }
        guard !database.isEmpty else { throw BenchError("--database is required\n\(Self.usage)") }
        if mode != .trace && (instance.isEmpty || directory.isEmpty) {
            throw BenchError("ship and load need --instance and --dir\n\(Self.usage)")
        }
        guard batch > 0, queries > 0 else { throw BenchError(Self.usage) }
    }
}

/// A bad command line or a failed step, printed before exiting 1.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
