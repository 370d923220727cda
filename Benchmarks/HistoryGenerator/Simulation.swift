import Foundation
import GeneratorSupport
import LeaseLog
import PortLeaseWire

/// Simulates `subscribers` DHCPv4-over-DHCPv6 clients for `days` with an injected clock, writing
/// what a shard worker would log through the real `LeaseLog`, and compacting as the server does.
///
/// Time runs in renewal cycles of T1 (half the lease). Each subscriber has a fixed phase in the
/// cycle and acts once per cycle at that instant, so records come out in time order by walking
/// the subscribers in order. At its instant a subscriber:
/// - renews (the common case: same port set, subscriber address and relay, which compaction must
///   fold into one holding), or, with probability churn / cycles-per-day, changes its binding:
///   - 35% release, then bind a new port set (taken from the back of the FIFO free list);
///   - 25% bind the same port set from a new IPv6 address (the CPE got a new prefix);
///   - 30% go silent: the server logs `expire` at the lease's end (one cycle after the last
///     renewal would have been due), and the client binds a new port set 2-24 cycles later;
///   - 10% move to another line: bind the same port set behind another relay and Interface-ID.
///
/// Every `compactionMinutes` of simulated time (`bulkCompactionMinutes` before the last hour, when
/// set) the log is committed and sealed, and a compaction pass runs on the worker thread;
/// retention runs with the first pass of each simulated day.
struct Simulation {
    let options: HistoryOptions
    let plan: AddressPlan
    let identities: Identities
    let start: Int64
    let end: Int64
    let cycleMs: Int64

    /// What a subscriber is doing.
    private enum Mode: UInt8 {
        case online, silent, offline
    }

    init(options: HistoryOptions) {
        self.options = options
        plan = AddressPlan(subscribers: options.subscribers)
        identities = Identities(subscribers: options.subscribers, seed: options.seed)
        cycleMs = Int64(options.leaseSeconds) * 500
        let cycles = Int64(options.days) * 86_400_000 / cycleMs
        let endSeconds = options.endUnixSeconds ?? Int64(Date().timeIntervalSince1970)
        end = endSeconds * 1000
        start = end - cycles * cycleMs
    }

    /// Runs the simulation; prints progress per simulated day and returns the totals.
    func run() throws -> SimulationResult {
        let count = options.subscribers
        var slot = [Int32](repeating: 0, count: count)
        var variant = [UInt16](repeating: 0, count: count)
        var line = [UInt8](repeating: 0, count: count)
        var mode = [Mode](repeating: .online, count: count)
        var wake = [Int32](repeating: 0, count: count)
        var free = FreeSlots(capacity: plan.slots)
        // Initial slots: a permutation, so an address's 64 port sets go to subscribers spread over the cycle.
        var stride = 2_654_435_761 % plan.slots
        while gcd(stride, plan.slots) != 1 { stride += 1 }
        for index in 0..<plan.slots {
            let permuted = index * stride % plan.slots
            if index < count { slot[index] = Int32(permuted) } else { free.push(permuted) }
        }

        let log = try LeaseLog(
            directory: options.directory,
            options: LeaseLog.Options(segmentSize: options.segmentBytes, durability: .none))
        guard log.lastCommitted == 0 else { throw HistoryError("\(options.directory) already holds a log") }
        let worker = CompactionWorker(directory: options.directory)
        worker.start()
        var result = SimulationResult()
        var random = SplitMix64(seed: options.seed &* 0xD1B5_4A32_D192_ED03)
        let cyclesPerDay = 86_400_000 / cycleMs
        let churnThreshold = UInt64(options.churn / Double(cyclesPerDay) * 0x1p64.nextDown)
        let lifetime = UInt32(options.leaseSeconds)
        let intervalMs = Int64(options.compactionMinutes) * 60_000
        // Longer passes until the last simulated hour (simulation speed), the server's interval after it,
        // so that the directory ends with the live log a server at that interval would have.
        let bulkMs = Int64(options.bulkCompactionMinutes ?? options.compactionMinutes) * 60_000
        let tailStart = end - 3_600_000
        var nextCompaction = start + bulkMs
        var lastRetentionDay = Int64.min
        let clock = Date()

        func append(_ event: LeaseRecord.Event, _ index: Int, _ held: Int, _ time: Int64) throws {
            let set = plan.portSet(held)
            let expire = event == .expire
            let record = LeaseRecord(
                event: event, time: time, clientKey: identities.keys[index],
                subscriber: expire
                    ? IPv6Address(high: 0, low: 0) : Identities.subscriber(index, variant: variant[index]),
                relay: expire ? .none : Identities.relay(index, line: line[index]),
                address: set.address, psid: set.psid, psidLength: set.length, psidOffset: set.offset,
                lifetime: event == .release || expire ? 0 : lifetime)
            try log.append(record)
            result.records += 1
            result.byEvent[Int(event.rawValue)] += 1
            if log.pendingCount >= options.batch { try log.commit() }
        }

        func compactionPoint(_ time: Int64) throws {
            try log.commit()
            // Sampled before the seal (the previous pass may still be folding) and after it; at the
            // server's interval only once two passes at it have run (bulk segments are gone by then).
            let before = liveSegmentBytes(options.directory)
            _ = try log.sealForCompaction()
            let live = max(before, liveSegmentBytes(options.directory))
            result.maxLiveBytes = max(result.maxLiveBytes, live)
            if bulkMs == intervalMs || time >= tailStart + 2 * intervalMs {
                result.maxLiveBytesAtInterval = max(result.maxLiveBytesAtInterval, live)
            }
            result.maxSnapshotBytes = max(result.maxSnapshotBytes, worker.lastSnapshotBytes)
            let day = time / 86_400_000
            let retention = day != lastRetentionDay ? time : nil
            lastRetentionDay = day
            try worker.submit(.init(retentionNow: retention, retentionDays: options.retentionDays))
        }

        for cycle in 0..<Int32(Int64(options.days) * cyclesPerDay) {
            let cycleStart = start + Int64(cycle) * cycleMs
            for index in 0..<count {
                let time = cycleStart + Int64(index) * cycleMs / Int64(count)
                if index & 1023 == 0 && time >= nextCompaction {
                    try compactionPoint(time)
                    let previous = nextCompaction
                    nextCompaction += previous >= tailStart ? intervalMs : bulkMs
                    if previous < tailStart && nextCompaction > tailStart { nextCompaction = tailStart }
                }
                if cycle == 0 {
                    try append(.bind, index, Int(slot[index]), time)
                    continue
                }
                switch mode[index] {
                case .online:
                    let draw = random.next()
                    guard draw < churnThreshold else {
                        try append(.renew, index, Int(slot[index]), time)
                        continue
                    }
                    switch draw % 20 {
                    case 0..<7:
                        try append(.release, index, Int(slot[index]), time)
                        free.push(Int(slot[index]))
                        slot[index] = Int32(free.pop())
                        try append(.bind, index, Int(slot[index]), time)
                    case 7..<12:
                        variant[index] &+= 1
                        try append(.bind, index, Int(slot[index]), time)
                    case 12..<18:
                        mode[index] = .silent
                        wake[index] = cycle + 1  // the lease ends one cycle after the renewal not sent
                    default:
                        line[index] &+= 1
                        try append(.bind, index, Int(slot[index]), time)
                    }
                case .silent:
                    guard wake[index] == cycle else { continue }
                    try append(.expire, index, Int(slot[index]), time)
                    free.push(Int(slot[index]))
                    mode[index] = .offline
                    wake[index] = cycle + 2 + Int32(random.next() % 23)
                case .offline:
                    guard wake[index] == cycle else { continue }
                    slot[index] = Int32(free.pop())
                    mode[index] = .online
                    try append(.bind, index, Int(slot[index]), time)
                }
            }
            if (Int64(cycle) + 1) % cyclesPerDay == 0 {
                let elapsed = Date().timeIntervalSince(clock)
                say(
                    "day \((Int64(cycle) + 1) / cyclesPerDay): \(result.records) records, "
                        + String(format: "%.0f s, %.0f records/s", elapsed, Double(result.records) / elapsed)
                        + ", compaction \(worker.passes) passes "
                        + String(
                            format: "%.0f s, writer waited %.0f s", worker.compactSeconds, worker.writerWaitSeconds)
                        + ", max live \(result.maxLiveBytes >> 20) MiB, snapshot \(worker.lastSnapshotBytes >> 20) MiB")
            }
        }
        try log.commit()
        try worker.waitIdle()
        worker.stop()
        log.close()
        result.seconds = Date().timeIntervalSince(clock)
        result.passes = worker.passes
        result.compactSeconds = worker.compactSeconds
        result.retentionSeconds = worker.retentionSeconds
        result.longestPassSeconds = worker.longestPassSeconds
        result.writerWaitSeconds = worker.writerWaitSeconds
        result.endedHoldings = worker.endedHoldings
        result.retentionDeleted = worker.retentionDeleted
        return result
    }

    private func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}

/// What a run wrote and how long it took.
struct SimulationResult {
    var records = 0
    /// Records by `LeaseRecord.Event` raw value.
    var byEvent = [Int](repeating: 0, count: 6)
    var seconds = 0.0
    var passes = 0
    var compactSeconds = 0.0
    var retentionSeconds = 0.0
    var longestPassSeconds = 0.0
    var writerWaitSeconds = 0.0
    var endedHoldings = 0
    var retentionDeleted = 0
    /// The most bytes of live segments seen, sampled right before and right after each seal.
    var maxLiveBytes = 0
    /// The same, sampled only while passes ran at the server's interval (`compactionMinutes`).
    var maxLiveBytesAtInterval = 0
    /// The largest snapshot written during the run.
    var maxSnapshotBytes = 0
}

/// The bytes of the live segments (`*.seg`) in `directory`.
func liveSegmentBytes(_ directory: String) -> Int {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    var total = 0
    for name in names where name.hasSuffix(".seg") {
        var info = stat()
        if stat(directory + "/" + name, &info) == 0 { total += Int(info.st_size) }
    }
    return total
}
