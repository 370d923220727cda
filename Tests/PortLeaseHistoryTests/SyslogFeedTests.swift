import Foundation
import LeaseLog
import Logging
import PortLeaseWire
import Synchronization
import Testing

@testable import PortLeaseHistory

/// `SyslogFeed` and `SyslogSender` against a real rsyslogd (`TestRsyslog`): events from a log
/// written with `LeaseLog`, over UDP, TCP and a UNIX socket, parsed by rsyslog field by field.
@Suite(.serialized, .enabled(if: TestRsyslog.unavailable == nil, "\(TestRsyslog.unavailable ?? "")"))
struct SyslogFeedTests {
    static let logger = Logger(label: "test")
    /// 2025-03-04T00:00:00Z.
    static let base: Int64 = 1_741_046_400_000

    /// Record n: 12 clients, each round binding, renewing (in round 4 of 8 from a new subscriber
    /// address, which ends the holding and opens another), releasing, expiring and declining;
    /// relays with and without IDs, client identifiers and hardware addresses, one whole address.
    static func record(_ n: Int) -> LeaseRecord {
        let client = n % 12
        let round = n / 12
        let events: [LeaseRecord.Event] = [.bind, .renew, .release, .bind, .renew, .expire, .bind, .decline]
        let relay: RelayIdentity =
            switch client % 3 {
            case 0: .none
            case 1:
                RelayIdentity(
                    linkAddress: IPv6Address(high: 0x2001_0DB8_FFFF_0000, low: 1),
                    interfaceID: [0x65, 0x74, 0x68, UInt8(client)],
                    remoteID: [0, 0, 0x0D, 0xE9, UInt8(client)])
            default:
                RelayIdentity(
                    linkAddress: IPv6Address(high: 0x2001_0DB8_FFFF_0000, low: 2), remoteID: [0x5D, 0x22, 0x5C])
            }
        let whole = client == 11
        return LeaseRecord(
            event: events[round % events.count], time: base + Int64(n) * 60_000,
            clientKey: client % 2 == 0
                ? ClientKey(kind: .clientIdentifier, bytes: [0xFF, 0x00, UInt8(client)])
                : ClientKey(kind: .hardwareAddress, bytes: [0x01, 0x02, 0x00, 0x5E, 0x00, 0x00, UInt8(client)]),
            subscriber: IPv6Address(high: 0x2001_0DB8_0001_0000, low: UInt64(client) + (round % 8 >= 4 ? 0x100 : 0)),
            relay: relay,
            address: whole ? IPv4Address(198, 51, 100, 200) : IPv4Address(198, 51, 100, UInt8(client % 4)),
            psid: whole ? 0 : UInt16(client), psidLength: whole ? 0 : 4, psidOffset: whole ? 0 : 6,
            lifetime: events[round % events.count] == .decline ? 60 : 3600)
    }

    /// What the feed reads as the shard's committed sequence: held back by the test, and
    /// counting the feed's calls (its first two position it at the start).
    final class Committed: Sendable {
        private let state: Mutex<(value: UInt64, calls: Int)>
        init(_ value: UInt64) { state = Mutex((value, 0)) }
        func read() -> UInt64 {
            state.withLock {
                $0.calls += 1; return $0.value
            }
        }
        func set(_ value: UInt64) { state.withLock { $0.value = value } }
        var calls: Int { state.withLock { $0.calls } }
    }

    /// The parameters rsyslog should report for `event` from an instance, worked out here
    /// without `SyslogMessage`.
    static func expectedParameters(_ event: HoldingEvent, instance: String) -> [String: String] {
        let holding = event.holding
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        func time(_ milliseconds: Int64) -> String {
            formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
        }
        func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
        var ports = "0-65535"
        if holding.psidLength > 0 {
            let (a, k, psid) = (Int(holding.psidOffset), Int(holding.psidLength), Int(holding.psid))
            let m = 16 - a - k
            ports = (1..<(1 << a)).map { j in
                let low = j << (16 - a) | psid << m
                return "\(low)-\(low + (1 << m) - 1)"
            }.joined(separator: " ")
        }
        let keyBytes = holding.clientKey.withUnsafeBytes { Array($0) }
        var parameters = [
            "instance": instance,
            "client": (holding.clientKey.kind == .clientIdentifier ? "id:" : "hw:")
                + keyBytes.map { String(format: "%02x", $0) }.joined(separator: ":"),
            "address": "\(holding.address)", "psid-offset": "\(holding.psidOffset)",
            "psid-length": "\(holding.psidLength)", "psid": "\(holding.psid)", "ports": ports,
            "subscriber": "\(holding.subscriber)", "start": time(holding.start),
        ]
        parameters["link-address"] = holding.relay.linkAddress.map { "\($0)" }
        parameters["interface-id"] = holding.relay.interfaceID.map(hex)
        parameters["remote-id"] = holding.relay.remoteID.map(hex)
        if event.kind == .ended {
            parameters["end"] = time(holding.end)
            parameters["reason"] = "\(holding.ended)"
        }
        return parameters
    }

    /// The events of `directory`'s records after `start` through `end`, as any reader folds them.
    static func events(_ directory: String, after start: UInt64, through end: UInt64) throws -> [HoldingEvent] {
        var events: [HoldingEvent] = []
        try HoldingFeed(directory: directory, after: start).next(through: end, limit: .max, into: &events)
        return events
    }

    /// Runs `feeds` until `body` returns or throws, then cancels them.
    static func running(_ feeds: [SyslogFeed], _ body: () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for feed in feeds { group.addTask { try await feed.run() } }
            defer { group.cancelAll() }
            try await body()
        }
    }

    /// Polls `condition` every 20 ms for up to 30 s.
    static func eventually(_ what: String, _ condition: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while try !condition() {
            guard ContinuousClock.now < deadline else { throw TestRsyslog.Failure("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test func everyHoldingStartAndEndReachesRsyslogOverUDPTCPAndUnixParsedFieldByField() async throws {
        let rsyslog = try TestRsyslog.start()
        defer { rsyslog.stop() }
        let directory = NSTemporaryDirectory() + "syslog-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = try LeaseLog(directory: directory, options: LeaseLog.Options(segmentSize: 8192))
        defer { log.close() }
        // Rounds 0 to 3 happen before the feed starts: live only, none of them is sent.
        for n in 0..<48 { try log.append(Self.record(n)) }
        try log.commit()
        let startPoint = log.lastCommitted
        let destinations: [(String, SyslogDestination)] = [
            ("imudp", .udp(host: "127.0.0.1", port: rsyslog.udpPort)),
            ("imtcp", .tcp(host: "localhost", port: rsyslog.tcpPort)),
            ("imuxsock", .unix(path: rsyslog.socketPath)),
        ]
        let committed = Committed(startPoint)
        // Instance names with the three characters a PARAM-VALUE escapes.
        let origins = destinations.indices.map {
            SyslogMessage.Origin(
                facility: 16 + $0, hostname: "pl-host-\($0)", processID: 4242, instance: #"edge"\#($0)]\x"#)
        }
        let statistics = destinations.map { _ in SyslogStatistics() }
        let feeds = destinations.indices.map { index in
            SyslogFeed(
                origin: origins[index],
                sender: SyslogSender(
                    destination: destinations[index].1, statistics: statistics[index], logger: Self.logger),
                statistics: statistics[index], directories: [directory], committed: { _ in committed.read() },
                intervalMilliseconds: 20, logger: Self.logger)
        }
        // rsyslog reads all three inputs before the feeds start (a probe each, until parsed).
        let probes = destinations.map {
            SyslogSender(destination: $0.1, statistics: SyslogStatistics(), logger: Self.logger)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for probe in probes { group.addTask { await probe.run() } }
            defer { group.cancelAll() }
            _ = try await rsyslog.waitFor { messages in
                probes.forEach { $0.send("<134>1 - probe portlease - PROBE - probe") }
                return Set(messages.filter { $0.messageID == "PROBE" }.map(\.input)).count == 3
            }
        }
        try await Self.running(feeds) {
            try await Self.eventually("the feeds to start") { committed.calls >= 2 * feeds.count }
            for n in 48..<96 { try log.append(Self.record(n)) }
            try log.commit()
            committed.set(log.lastCommitted)
            let expected = try Self.events(directory, after: startPoint, through: log.lastCommitted)
            #expect(expected.count == 60)
            let received = try await rsyslog.waitFor { messages in
                destinations.allSatisfy { input, _ in
                    messages.filter { $0.input == input && $0.messageID != "PROBE" }.count >= expected.count
                }
            }
            try await Self.eventually("the senders to count") {
                statistics.allSatisfy { $0.value(.sent) == expected.count && $0.value(.queued) == 0 }
            }
            for (index, (input, _)) in destinations.enumerated() {
                let messages = received.filter { $0.input == input && $0.messageID != "PROBE" }
                #expect(messages.count == expected.count, "\(input)")
                #expect(statistics[index].value(.dropped) == 0 && statistics[index].value(.failures) == 0, "\(input)")
                // In order: one connection or socket per feed, one shard.
                for (message, event) in zip(messages, expected) {
                    #expect(message.priority == "\(origins[index].facility * 8 + 6)")
                    #expect(message.hostname == origins[index].hostname)
                    #expect(message.application == "portlease")
                    #expect(message.processID == "4242")
                    #expect(message.messageID == (event.kind == .opened ? "HOLDING-START" : "HOLDING-END"))
                    let parameters = Self.expectedParameters(event, instance: origins[index].instance)
                    #expect(message.parameters == ["holding@32473": parameters], "\(input) \(message.structuredData)")
                    #expect(message.timestamp == (event.kind == .opened ? parameters["start"] : parameters["end"]))
                    #expect(message.text.hasPrefix("\(event.holding.address) "))
                }
            }
            // Both kinds, and every end reason the records cause.
            #expect(Set(expected.map(\.holding.ended)) == [.held, .reassignment, .expiry, .decline])
        }
    }

    @Test func aFeedOvertakenByCompactionSkipsToTheNewestRecordsAndCountsTheGap() async throws {
        let rsyslog = try TestRsyslog.start()
        defer { rsyslog.stop() }
        let directory = NSTemporaryDirectory() + "syslog-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = try LeaseLog(directory: directory, options: LeaseLog.Options(segmentSize: 2048))
        defer { log.close() }
        for n in 0..<24 { try log.append(Self.record(n)) }
        try log.commit()
        let committed = Committed(log.lastCommitted)
        let statistics = SyslogStatistics()
        let feed = SyslogFeed(
            origin: .init(facility: 16, hostname: "pl-host", processID: 1, instance: "edge-gap"),
            sender: SyslogSender(
                destination: .tcp(host: "127.0.0.1", port: rsyslog.tcpPort), statistics: statistics, logger: Self.logger
            ),
            statistics: statistics, directories: [directory], committed: { _ in committed.read() },
            intervalMilliseconds: 20, logger: Self.logger)
        try await Self.running([feed]) {
            try await Self.eventually("the feed to start") { committed.calls >= 2 }
            // The feed is held at record 24 while 276 more are written and compacted away.
            for n in 24..<300 {
                try log.append(Self.record(n))
                if n % 10 == 0 { try log.commit() }
            }
            try log.commit()
            try LogCompactor(directory: directory).compact()
            let gapEnd = log.lastCommitted
            committed.set(gapEnd)
            try await Self.eventually("the gap to be counted") { statistics.value(.skippedRecords) > 0 }
            #expect(statistics.value(.skippedRecords) <= 276)
            for n in 300..<348 { try log.append(Self.record(n)) }
            try log.commit()
            committed.set(log.lastCommitted)
            let after = try Self.events(directory, after: gapEnd, through: log.lastCommitted)
            #expect(after.count == 48)
            // What came after the gap arrives whole and in order, after anything read before it.
            let expected = after.map { Self.expectedParameters($0, instance: "edge-gap") }
            let received = try await rsyslog.waitFor { messages in
                messages.count >= after.count
                    && messages.suffix(after.count).map { $0.parameters["holding@32473"] ?? [:] } == expected
            }
            try await Self.eventually("the sender to count") { statistics.value(.sent) == received.count }
            #expect(statistics.value(.failures) == 0 && statistics.value(.dropped) == 0)
        }
    }
}
