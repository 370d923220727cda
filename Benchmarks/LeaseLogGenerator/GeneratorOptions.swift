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
        var index = 0
        func value() throws(GeneratorError) -> String {
            index += 1
            guard index < arguments.count else { throw GeneratorError("\(arguments[index - 1]) needs a value") }
            return arguments[index]
        }
        func number<T: FixedWidthInteger>(_ name: String, _ text: String) throws(GeneratorError) -> T {
            guard let number = T(text.replacingOccurrences(of: "_", with: "")), number >= 0 else {
                throw GeneratorError("\(name): not a count: \(text)")
            }
            return number
        }
        while index < arguments.count {
            let name = arguments[index]
            switch name {
            case "--leases": leases = try number(name, value())
            case "--out": output = try value()
            case "--shards": shards = try number(name, value())
            case "--renewals": renewals = try number(name, value())
            case "--lifetime": lifetime = try number(name, value())
            case "--batch": batch = try number(name, value())
            case "--seed": seed = try number(name, value())
            case "--fsync": fsync = true
            case "--help", "-h": throw GeneratorError(Self.usage)
            default: throw GeneratorError("unknown argument \(name)\n\(Self.usage)")
            }
            index += 1
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
