import Foundation
import Logging
import Testing

@testable import PortLeaseHistory

/// `SyslogSender` when the collector goes away and comes back (`TestRsyslog` killed and
/// started again on the same ports and socket), and when its queue is full.
@Suite(.serialized, .enabled(if: TestRsyslog.unavailable == nil, "\(TestRsyslog.unavailable ?? "")"))
struct SyslogSenderTests {
    static let logger = Logger(label: "test")

    @Test func everyTransportSendsAgainAfterTheCollectorRestartsAndTCPKeepsWhatItCouldNotSend() async throws {
        let rsyslog = try TestRsyslog.start()
        defer { rsyslog.stop() }
        let destinations: [(String, SyslogDestination)] = [
            ("imtcp", .tcp(host: "127.0.0.1", port: rsyslog.tcpPort)),
            ("imudp", .udp(host: "127.0.0.1", port: rsyslog.udpPort)),
            ("imuxsock", .unix(path: rsyslog.socketPath)),
        ]
        let statistics = destinations.map { _ in SyslogStatistics() }
        let senders = destinations.indices.map {
            SyslogSender(destination: destinations[$0].1, statistics: statistics[$0], logger: Self.logger)
        }
        /// Sends a message with MSGID `id` on every sender every 50 ms until rsyslog has one from each.
        func deliver(_ id: String) async throws {
            _ = try await rsyslog.waitFor { messages in
                senders.forEach { $0.send("<134>1 - test portlease - \(id) - \(id.lowercased())") }
                return Set(messages.filter { $0.messageID == id }.map(\.input)).count == destinations.count
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sender in senders { group.addTask { await sender.run() } }
            defer { group.cancelAll() }
            try await deliver("BEFORE")
            let before = statistics.map { $0.value(.failures) }
            rsyslog.kill()
            // TCP cannot connect, and the local socket refuses datagrams. (A UDP sender may never
            // know: Linux reports the ICMP error to whichever call comes first, often NIO's read.)
            let deadline = ContinuousClock.now + .seconds(30)
            while statistics[0].value(.failures) == before[0] || statistics[2].value(.failures) == before[2] {
                guard ContinuousClock.now < deadline else {
                    Issue.record("failures: \(statistics.map { $0.value(.failures) })")
                    return
                }
                senders.forEach { $0.send("<134>1 - test portlease - DURING - during") }
                try await Task.sleep(for: .milliseconds(50))
            }
            // Sent while the sender knows the collector is away: these wait in the queue. (What
            // was written to the dead connection before the failure showed may be lost: TCP.)
            for _ in 0..<3 { senders.forEach { $0.send("<134>1 - test portlease - DURING - during") } }
            try rsyslog.relaunch()
            try await deliver("AFTER")
        }
        let messages = try rsyslog.messages()
        // TCP put back what it could not write while the collector was away, and sent it first.
        let tcp = messages.filter { $0.input == "imtcp" }.map(\.messageID)
        #expect(tcp.contains("DURING"), "\(tcp)")
        if let during = tcp.firstIndex(of: "DURING"), let after = tcp.firstIndex(of: "AFTER") {
            #expect(during < after)
        }
        // The datagrams the local socket refused were counted as dropped, not kept.
        #expect(statistics[2].value(.dropped) > 0)
    }

    @Test func aFullQueueDropsAndCountsInsteadOfGrowing() async throws {
        let statistics = SyslogStatistics()
        // Nothing listens at this path: nothing leaves, everything waits in the queue.
        let path = NSTemporaryDirectory() + "no-collector-" + UUID().uuidString
        let sender = SyslogSender(
            destination: .unix(path: path), capacity: 100, statistics: statistics, logger: Self.logger)
        var accepted = 0
        for n in 0..<250 where sender.send("<134>1 - test portlease - FULL - \(n)") { accepted += 1 }
        #expect(accepted == 100)
        #expect(statistics.value(.dropped) == 150 && statistics.value(.queued) == 100)
        let rendered = statistics.render()
        #expect(
            rendered.contains("# TYPE portlease_syslog_dropped_total counter\nportlease_syslog_dropped_total 150\n"))
        #expect(rendered.contains("portlease_syslog_queued 100\n"))
    }
}
