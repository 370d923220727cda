import Foundation
import LeaseEngine
import LeaseLog
import PortLeaseWire
import Testing

@testable import PortLeaseControl

/// The log side of a lookup by a subscriber key the engines do not keep: each client's latest
/// record decides, only live leases count, and a key too many clients have shown is refused
/// rather than held in memory.
@Suite struct LogSubscriberSearchTests {
    static let line = [0, 0, 0x0D, 0xE9] + Array("line-1".utf8)
    static let now: Int64 = 1_800_000_000_000

    static func record(_ client: UInt8, remoteID: [UInt8], event: LeaseRecord.Event = .bind, ago: Int64) -> LeaseRecord
    {
        LeaseRecord(
            event: event, time: now - ago * 1000, clientKey: ClientKey(kind: .clientIdentifier, bytes: [1, client]),
            subscriber: IPv6Address(high: 0x2001_0DB8_0000_0000 | UInt64(client) << 16, low: 1),
            relay: RelayIdentity(remoteID: remoteID), address: IPv4Address(198, 51, 100, client), lifetime: 3600)
    }

    @Test func theLatestRecordOfEachClientDecidesAndTooManyIsRefused() throws {
        let directory = NSTemporaryDirectory() + "portlease-logsearch-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = try LeaseLog(directory: directory, options: LeaseLog.Options(durability: .none))
        let other = [0, 0, 0x0D, 0xE9] + Array("line-2".utf8)
        for record in [
            Self.record(1, remoteID: Self.line, ago: 100), Self.record(2, remoteID: Self.line, ago: 90),
            Self.record(3, remoteID: Self.line, ago: 80), Self.record(4, remoteID: other, ago: 70),
            // Client 2 moved to line 2; client 3 released; client 5's lease ran out.
            Self.record(2, remoteID: other, event: .renew, ago: 60),
            Self.record(3, remoteID: Self.line, event: .release, ago: 50),
            Self.record(5, remoteID: Self.line, ago: 7200),
        ] {
            try log.append(record)
        }
        _ = try log.commit()
        let found = try #require(
            try LogSubscriberSearch.latest(in: directory, key: .remoteID(Self.line), now: Self.now))
        #expect(found.map(\.address) == [IPv4Address(198, 51, 100, 1)])
        let moved = try LogSubscriberSearch.latest(in: directory, key: .remoteID(other), now: Self.now) ?? []
        #expect(Set(moved.map(\.address)) == [IPv4Address(198, 51, 100, 2), IPv4Address(198, 51, 100, 4)])
        let prefix = IPv6Prefix("2001:db8::/32")!
        #expect(try LogSubscriberSearch.latest(in: directory, key: .prefix(prefix), now: Self.now)?.count == 3)
        #expect(try LogSubscriberSearch.latest(in: directory, key: .prefix(prefix), now: Self.now, limit: 3) == nil)
    }
}
