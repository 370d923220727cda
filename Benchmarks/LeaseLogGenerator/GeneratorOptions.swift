import GeneratorSupport

/// What `LeaseLogGenerator` writes, from its command line.
///
/// Parsed by hand so the generator needs nothing but the root package's libraries.
struct GeneratorOptions {
    /// Live leases to write (one bind per client).
    var leases = 1_000_000
    /// The lease-log directory; shards go to `<out>/shard-N` as the server lays them out.
    var output = ""
    /// Shards (the server's `workers`): a client goes to `stableHash % shards`, as in the server.
    var shards = 2
    /// Renewal passes after the binds: each adds one renew record per lease, a later time.
    var renewals = 0
    /// Lease lifetime in seconds; long enough by default that the leases are still active
    /// when the listing is timed days later.
    var lifetime: UInt32 = 30 * 86_400
    /// Records appended per commit.
    var batch = 1_000
    /// `fdatasync` per commit (off by default: the data is on disk once the page cache is written).
    var fsync = false
    /// Seed of the generator: the same seed writes the same log.
    var seed: UInt64 = 1

    static let usage = """
        usage: LeaseLogGenerator --out DIR [--leases N] [--shards S] [--renewals R]
                                 [--lifetime SECONDS] [--batch B] [--fsync] [--seed N]
        """

    init(arguments: [String]) throws(GeneratorError) {
        var cursor = ArgumentCursor(arguments) { GeneratorError($0) }
        while let name = cursor.current {
            switch name {
            case "--leases": leases = try cursor.number()
            case "--out": output = try cursor.value()
            case "--shards": shards = try cursor.number()
            case "--renewals": renewals = try cursor.number()
            case "--lifetime": lifetime = try cursor.number()
            case "--batch": batch = try cursor.number()
            case "--seed": seed = try cursor.number()
            case "--fsync": fsync = true
            case "--help", "-h": throw GeneratorError(Self.usage)
            default: throw GeneratorError("unknown argument \(name)\n\(Self.usage)")
            }
            cursor.advance()
        }
        guard !output.isEmpty else { throw GeneratorError("--out is required\n\(Self.usage)") }
        guard shards > 0, batch > 0, leases < Int(UInt32.max) else { throw GeneratorError(Self.usage) }
    }
}

/// A bad command line or a failed write, printed before exiting 1.
struct GeneratorError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
