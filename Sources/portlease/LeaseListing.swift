import ArgumentParser
import Foundation
import LeaseLog

/// The active leases as `portlease leases` lists them and `portlease export leases` writes
/// them: every shard replayed, then each lease that is active at a time and matches a query,
/// sorted by address, then PSID, handed to a line writer.
///
/// Built for ISP-sized logs: the log is replayed once, keeping each client's latest
/// record (a lookup keeps only the matching clients'), and the lines are formatted
/// into one reused buffer, written a megabyte at a time.
enum LeaseListing {
    /// Writes a line for each lease of the logs in `directories` active at `now` that `query`
    /// matches, with `line`, into `out`; returns how many. Throws the first shard's error.
    static func write(
        _ directories: [String], matching query: LeaseQuery, at now: Int64, to out: inout OutputBuffer,
        line: (LeaseRecord, inout OutputBuffer) -> Void
    ) throws(LatestLeases.ShardError) -> Int {
        let tables = try LatestLeases.replay(
            directories, matching: query, before: now,
            reserving: query.isEverything ? estimatedClients(directories) : 0)
        let active = LatestLeases.active(tables, at: now, matching: query)
        // Records are copied out a block at a time before formatting: they lie scattered
        // in memory, and a tight loop of copies waits for many cache misses at once.
        var block: [LeaseRecord] = []
        block.reserveCapacity(Self.block)
        for start in stride(from: 0, to: active.count, by: Self.block) {
            block.removeAll(keepingCapacity: true)
            for position in active[start..<min(start + Self.block, active.count)] {
                block.append(tables[Int(position.table)].records[Int(position.index)])
            }
            for record in block { line(record, &out) }
        }
        return active.count
    }

    /// ``write(_:matching:at:to:line:)``, then `out` flushed; a shard's or the output's error is
    /// reported on standard error and ends the command with status 1.
    static func print(
        _ directories: [String], matching query: LeaseQuery, at now: Int64, to out: inout OutputBuffer,
        line: (LeaseRecord, inout OutputBuffer) -> Void
    ) throws -> Int {
        let count = try Standard.orExit { () throws(LatestLeases.ShardError) in
            try write(directories, matching: query, at: now, to: &out, line: line)
        }
        try Standard.orExit { () throws(OutputError) in try out.finish() }
        return count
    }

    /// Records copied out of the tables at a time.
    static let block = 64

    /// About how many clients the logs in `directories` hold: their bytes over a short
    /// record's size (an overestimate once renewals pile up, which only costs memory).
    static func estimatedClients(_ directories: [String]) -> Int {
        var bytes = 0
        for directory in directories {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for name in names where name.hasSuffix(".seg") || name == "snapshot" {
                let attributes = try? FileManager.default.attributesOfItem(atPath: directory + "/" + name)
                bytes += (attributes?[.size] as? Int) ?? 0
            }
        }
        return min(bytes / 90, 64 << 20)
    }

    /// The time `--at` names (ISO 8601 or Unix seconds), or now, in milliseconds.
    static func time(_ at: String?) throws -> Int64 {
        guard let at else { return Int64(Date().timeIntervalSince1970 * 1000) }
        guard let time = Formats.parseTime(at) else { throw ValidationError("--at: not a time: \(at)") }
        return time
    }
}
