import LeaseEngine
import Logging
import Synchronization
import Testing

@testable import PortLeaseServer

/// A log handler that keeps (level, message, metadata) for assertions.
final class CapturingLogHandler: LogHandler, @unchecked Sendable {
    let lines = Mutex<[(Logger.Level, String, Logger.Metadata)]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.withLock { $0.append((event.level, "\(event.message)", event.metadata ?? [:])) }
    }
}

@Suite struct DropReporterTests {
    @Test func oneLinePerReasonThatGrewThenSilence() {
        let handler = CapturingLogHandler()
        let counters = ServerCounters()
        let reporter = DropReporter(
            counters: counters, shards: [ShardStatistics()], queues: [ShardQueue(capacity: 1)],
            logger: Logger(label: "test", factory: { _ in handler }))
        for _ in 0..<500 { counters.countDrop(.malformedDHCPv4) }
        counters.countDrop(.otherServer)
        reporter.report()
        let first = handler.lines.withLock { $0 }
        #expect(first.count == 2, "one line per reason, not per datagram")
        #expect(first.contains { $0.2["reason"] == "malformed-dhcpv4" && $0.2["count"] == "500" })
        reporter.report()
        #expect(handler.lines.withLock { $0.count } == 2, "nothing new, nothing logged")
        counters.countDrop(.malformedDHCPv4, 3)
        reporter.report()
        #expect(handler.lines.withLock { $0.last?.2["count"] } == "3")
    }

    @Test func aFullPoolIsNamedAndItsAlarmLoggedOnceEachWay() throws {
        let handler = CapturingLogHandler()
        let configuration = ServerFixtures.engineConfiguration()
        let engines = try LeaseEngine.makeShards(configuration, count: 1)
        let statistics = ShardStatistics()
        let watch = PoolWatch(policies: configuration.pools, pools: engines[0].pools)
        let reporter = DropReporter(
            counters: ServerCounters(), shards: [statistics], queues: [ShardQueue(capacity: 1)],
            logger: Logger(label: "test", factory: { _ in handler }), pools: watch)
        var counters = EngineCounters()
        counters.poolsExhausted = [0, 4]
        statistics.publish(counters)
        let full = engines[0].pools[1]
        let taken = try (0..<15).map { _ in try full.allocate(from: 0, psidLength: 0)! }
        reporter.report()
        let lines = handler.lines.withLock { $0 }
        #expect(
            lines.contains {
                $0.1 == "pool full: clients refused a new lease" && $0.2["pool"] == "full" && $0.2["count"] == "4"
            })
        #expect(lines.contains { $0.1 == "pool utilisation at or above its alarm" && $0.2["pool"] == "full" })
        #expect(!lines.contains { $0.2["pool"] == "map" })
        reporter.report()
        #expect(handler.lines.withLock { $0.count } == lines.count, "an alarm is logged when it changes, not again")
        for portSet in taken.prefix(5) { try full.release(portSet) }
        reporter.report()
        #expect(handler.lines.withLock { $0.last?.1 } == "pool utilisation back below its alarm")
    }
}
