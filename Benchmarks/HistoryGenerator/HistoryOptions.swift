import GeneratorSupport

/// What `HistoryGenerator` does, from its command line.
///
/// Parsed by hand (as `LeaseLogGenerator` does) so the generator needs nothing but the root
/// package's libraries.
struct HistoryOptions {
    /// What to run.
    enum Mode: String {
        /// Simulate the subscribers and write the shard directory.
        case generate
        /// Time `LeaseLog.recover` over a shard directory (the replay part of a restart).
        case recover
        /// Time `LeaseHistory.holders(of:port:at:)` for random queries over a shard directory.
        case trace
    }

    var mode = Mode.generate
    /// The shard directory (generate: must not hold a log yet).
    var directory = ""
    /// Subscribers, one client each.
    var subscribers = 1_000_000
    /// Simulated days.
    var days = 30
    /// The end of the simulation, Unix seconds; the start is `days` before it.
    var endUnixSeconds: Int64?
    /// Fraction of subscribers that get a new binding per day.
    var churn = 0.03
    /// Lease lifetime (renewals come at T1, half of it).
    var leaseSeconds = 3_600
    /// Simulated minutes between forced seals + compaction passes (the server's `compaction-interval`).
    var compactionMinutes = 5
    /// Simulated minutes between passes before the last simulated hour, when set: a pass costs a
    /// sort and write of the whole snapshot, too slow for 1M subscribers every 5 minutes of a month.
    var bulkCompactionMinutes: Int?
    /// Segment size: a commit past it starts a new segment (sealed by size, as in the server).
    var segmentBytes = 64 << 20
    /// Holdings that ended more than this many days before the simulated now are deleted, daily.
    var retentionDays = 180
    /// Records per commit.
    var batch = 4_096
    /// Seed: the same seed writes the same log.
    var seed: UInt64 = 1
    /// Trace mode: queries to time.
    var queries = 1_000
    /// Generate mode: write a server configuration whose pools hold the generated addresses here.
    var configPath: String?

    static let usage = """
        usage: HistoryGenerator [generate] --dir DIR [--subscribers N] [--days D] [--end UNIX_SECONDS]
                                [--churn F] [--lease SECONDS] [--compaction-minutes M]
                                [--bulk-compaction-minutes B] [--segment-mib S]
                                [--retention-days R] [--batch B] [--seed N] [--config-out FILE]
               HistoryGenerator recover --dir DIR
               HistoryGenerator trace --dir DIR [--queries Q] [--seed N]
        """

    init(arguments: [String]) throws(HistoryError) {
        var arguments = arguments
        if let first = arguments.first, let mode = Mode(rawValue: first) {
            self.mode = mode
            arguments.removeFirst()
        }
        var cursor = ArgumentCursor(arguments) { HistoryError($0) }
        while let name = cursor.current {
            switch name {
            case "--dir": directory = try cursor.value()
            case "--subscribers": subscribers = try cursor.number()
            case "--days": days = try cursor.number()
            case "--end": endUnixSeconds = try cursor.number()
            case "--churn":
                let text = try cursor.value()
                guard let fraction = Double(text), fraction >= 0, fraction <= 1 else {
                    throw HistoryError("--churn: not a fraction: \(text)")
                }
                churn = fraction
            case "--lease": leaseSeconds = try cursor.number()
            case "--compaction-minutes": compactionMinutes = try cursor.number()
            case "--bulk-compaction-minutes": bulkCompactionMinutes = try cursor.number()
            case "--segment-mib": segmentBytes = try (cursor.number() as Int) << 20
            case "--retention-days": retentionDays = try cursor.number()
            case "--batch": batch = try cursor.number()
            case "--seed": seed = try cursor.number()
            case "--queries": queries = try cursor.number()
            case "--config-out": configPath = try cursor.value()
            case "--help", "-h": throw HistoryError(Self.usage)
            default: throw HistoryError("unknown argument \(name)\n\(Self.usage)")
            }
            cursor.advance()
        }
        guard !directory.isEmpty else { throw HistoryError("--dir is required\n\(Self.usage)") }
        guard subscribers > 0, days > 0, batch > 0, leaseSeconds >= 120, compactionMinutes > 0,
            (bulkCompactionMinutes ?? 1) > 0,
            subscribers < 1 << 28
        else { throw HistoryError(Self.usage) }
    }
}

/// A bad command line or a failed step, printed before exiting 1.
struct HistoryError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
