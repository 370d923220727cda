import Foundation
import GeneratorSupport
import LeaseLog
import PortLeaseWire

/// What a generated directory covers, kept beside it (`<dir>.meta`, not inside: the shard
/// directory holds only what the server would leave) so the trace benchmark knows the window
/// and the address plan without being told again.
struct RunMetadata {
    var subscribers: Int
    var start: Int64
    var end: Int64

    static func path(for directory: String) -> String {
        (directory.hasSuffix("/") ? String(directory.dropLast()) : directory) + ".meta"
    }

    func write(for directory: String) throws {
        let text = "subscribers=\(subscribers)\nstart=\(start)\nend=\(end)\n"
        // The directory's parent may not exist yet (the log creates the directory itself later).
        try FileManager.default.createDirectory(
            atPath: (Self.path(for: directory) as NSString).deletingLastPathComponent, withIntermediateDirectories: true
        )
        try text.write(toFile: Self.path(for: directory), atomically: true, encoding: .utf8)
    }

    static func read(for directory: String) throws -> RunMetadata {
        let text = try String(contentsOfFile: path(for: directory), encoding: .utf8)
        var fields: [String: Int64] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2, let value = Int64(parts[1]) { fields[String(parts[0])] = value }
        }
        guard let subscribers = fields["subscribers"], let start = fields["start"], let end = fields["end"] else {
            throw HistoryError("\(path(for: directory)): not a generator metadata file")
        }
        return RunMetadata(subscribers: Int(subscribers), start: start, end: end)
    }
}

/// The replay part of a restart: `LeaseLog.recover` over the directory (snapshot + live segments),
/// counting records as the engine's replay would receive them. Run twice: the first pass may
/// read from disk, the second from the page cache.
func measureRecovery(directory: String) throws {
    for attempt in 1...2 {
        let started = Date()
        var records = 0
        let report = try LeaseLog.recover(directory: directory) { _ in records += 1 }
        let seconds = Date().timeIntervalSince(started)
        say(
            "recover #\(attempt): " + String(format: "%.3f s", seconds)
                + ", \(records) records (snapshot \(report.snapshotRecords), segments \(report.replayedRecords)"
                + " in \(report.segmentCount) segment(s))")
    }
}

/// Trace latency: `holders(of:port:at:)` for random (address, port, time) over the whole window
/// the history covers, from a `LeaseHistory` opened in this process. The first query (cold-ish:
/// nothing of the history read yet by this process) is reported on its own.
func measureTrace(directory: String, queries: Int, seed: UInt64) throws {
    let meta = try RunMetadata.read(for: directory)
    let plan = AddressPlan(subscribers: meta.subscribers)
    let opened = Date()
    let history = LeaseHistory(directory: directory)
    let status = try LogCompactor(directory: directory).status()
    let windowStart = max(meta.start, status.oldestHistoryDay ?? meta.start)
    var random = SplitMix64(seed: seed &+ 0x51_7CC1_B727_220A)
    var latencies: [Double] = []
    // Full addresses apart: one port set, so at most one live holder for the live-log scan to follow.
    var fullLatencies: [Double] = []
    var found = [0, 0, 0]  // no holder, one, more
    var example: (address: IPv4Address, port: UInt16, time: Int64)?
    var first = 0.0
    for query in 0..<(queries + 1) {
        let slot = Int(random.next() % UInt64(plan.slots))
        let set = plan.portSet(slot)
        let port: UInt16
        if set.length == 0 {
            port = UInt16(truncatingIfNeeded: random.next())
        } else {
            // A port of that PSID: offset bits (not 0), PSID, then the m = 16 - a - k low bits.
            let m = 16 - Int(set.offset) - Int(set.length)
            let high = UInt16(1 + random.next() % ((1 << UInt64(set.offset)) - 1))
            port =
                high << UInt16(16 - Int(set.offset)) | set.psid << UInt16(m)
                | UInt16(truncatingIfNeeded: random.next() % (1 << UInt64(m)))
        }
        let time = windowStart + Int64(random.next() % UInt64(meta.end - windowStart))
        let started = DispatchTime.now().uptimeNanoseconds
        let holders = try history.holders(of: set.address, port: port, at: time)
        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        if query == 0 {
            first = milliseconds
            say(
                String(
                    format: "first query (cold-ish, %.1f ms after opening): %.3f ms, %d holder(s)",
                    Date().timeIntervalSince(opened) * 1000 - milliseconds, milliseconds, holders.count))
            continue
        }
        latencies.append(milliseconds)
        if set.length == 0 { fullLatencies.append(milliseconds) }
        found[min(holders.count, 2)] += 1
        if example == nil, holders.count == 1 { example = (set.address, port, time) }
    }
    latencies.sort()
    func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
    say(
        "\(queries) queries over \((meta.end - windowStart) / 86_400_000) days: "
            + String(
                format: "p50 %.3f ms, p99 %.3f ms, max %.3f ms (first %.3f ms)", percentile(0.5), percentile(0.99),
                latencies.last ?? 0, first)
            + "; answers: \(found[0]) none, \(found[1]) one holder, \(found[2]) more")
    fullLatencies.sort()
    if !fullLatencies.isEmpty {
        say(
            "of which \(fullLatencies.count) on full addresses: "
                + String(
                    format: "p50 %.3f ms, max %.3f ms", fullLatencies[fullLatencies.count / 2],
                    fullLatencies.last ?? 0))
    }
    if let example {
        say(
            "example: portlease trace --log-dir \((directory as NSString).deletingLastPathComponent)"
                + " --address \(example.address) --port \(example.port) --at \(example.time / 1000)")
    }
}

/// A server configuration for the restart measurement: one worker whose lease-log directory is
/// the parent of the generated `shard-0`, and pools holding every address the generator used.
func serverConfiguration(plan: AddressPlan, logDirectory: String, leaseSeconds: Int, retentionDays: Int) -> String {
    """
    {
      "server-id": "192.0.2.1",
      "listen": { "addresses": ["::1"], "port": 10647 },
      "dhcp4o6-server-addresses": ["::1"],
      "workers": 1,
      "lease-log": { "directory": "\(logDirectory)", "durability": "fsync", "history-days": \(retentionDays) },
      "metrics": { "listen": "127.0.0.1:19647" },
      "log-level": "info",
      "pools": [
        {
          "name": "map-shared",
          "addresses": ["\(AddressPlan.cidr(base: AddressPlan.sharedBase, count: plan.sharedAddresses))"],
          "valid-lifetime": \(leaseSeconds),
          "shared": { "psid-offset": 6, "psid-length": 6, "reserved-ports": ["0-1023"] },
          "options": { "routers": ["192.0.2.1"], "domain-name-servers": ["192.0.2.53"] }
        },
        {
          "name": "full",
          "addresses": ["\(AddressPlan.cidr(base: AddressPlan.fullBase, count: plan.fullAddresses))"],
          "valid-lifetime": \(leaseSeconds),
          "options": { "domain-name-servers": ["192.0.2.53"] }
        }
      ]
    }

    """
}

/// Prints `line` at once (unbuffered), so progress reaches a log file while a long run goes on.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
