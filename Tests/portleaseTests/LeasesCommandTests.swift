import Foundation
import LeaseLog
import PortLeaseWire
import Testing

@testable import portlease

/// `portlease leases` on a small log written through LeaseLog, run as the real binary.
@Suite struct LeasesCommandTests {
    static let shared = IPv4Address(198, 51, 100, 7)
    static let other = IPv4Address(198, 51, 100, 8)
    static let now = Int64(Date().timeIntervalSince1970 * 1000)

    static func key(_ last: UInt8) -> ClientKey {
        ClientKey(kind: .clientIdentifier, bytes: [0xFF, 0, 0, 0, 1, 0, 3, 0, 1, 0x02, 0, 0x5E, 0x10, 0x20, last])
    }

    static func subscriber(_ last: UInt64) -> IPv6Address { IPv6Address(high: 0x2001_0DB8_0001_0000, low: last) }

    static func bind(
        _ client: UInt8, _ address: IPv4Address, psid: UInt16, at time: Int64, lifetime: UInt32 = 3_600,
        relay: RelayIdentity = .none, event: LeaseRecord.Event = .bind
    ) -> LeaseRecord {
        LeaseRecord(
            event: event, time: time, clientKey: key(client), subscriber: subscriber(UInt64(client)), relay: relay,
            address: address, psid: psid, psidLength: psid == 0 ? 0 : 6, psidOffset: psid == 0 ? 0 : 6,
            lifetime: lifetime)
    }

    /// Two shards (a client's records all in one, as the server writes them). Active: 1 (shared, psid 1), 2 (moved from `shared` to `other`), 5
    /// (full address, odd relay bytes). Not active: 3 (released), 4 (ran out).
    static func writeLog() throws -> String {
        let directory = try CommandLineTests.temporaryDirectory()
        let odd = RelayIdentity(
            linkAddress: IPv6Address("2001:db8:ffff::1"), interfaceID: [0x67, 0x22, 0x5C, 0x01, 0x0A],
            remoteID: [0x00, 0x00, 0x0D, 0xE9, 0xFF])
        let shards: [[LeaseRecord]] = [
            [
                bind(1, shared, psid: 1, at: now - 60_000),
                bind(2, shared, psid: 2, at: now - 50_000),
                bind(3, shared, psid: 3, at: now - 40_000),
                bind(2, other, psid: 9, at: now - 30_000),
                bind(3, shared, psid: 3, at: now - 20_000, lifetime: 0, event: .release),
                bind(1, shared, psid: 1, at: now - 5_000, event: .renew),
            ],
            [
                bind(4, shared, psid: 4, at: now - 7_200_000, lifetime: 60),
                bind(5, other, psid: 0, at: now - 10_000, relay: odd),
            ],
        ]
        for (shard, records) in shards.enumerated() {
            let log = try LeaseLog(directory: directory + "/shard-\(shard)")
            for record in records { try log.append(record) }
            try log.commit()
            log.close()
        }
        return directory
    }

    static func lines(_ arguments: [String], in directory: String) throws -> [String] {
        let result = try CommandLineTests.run(["leases", "--log-dir", directory] + arguments)
        #expect(result.status == 0, "\(result.errors)")
        return result.output.split(separator: "\n").map(String.init)
    }

    @Test func listsExactlyTheActiveLeasesByAddress() throws {
        let directory = try Self.writeLog()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let lines = try Self.lines([], in: directory)
        #expect(lines.count == 3)
        #expect(
            lines[0].hasPrefix("198.51.100.7  psid 1/6 (offset 6)  \(Self.key(1))  subscriber 2001:db8:1::1  direct"))
        #expect(lines[1].hasPrefix("198.51.100.8  full address  \(Self.key(5))"))
        #expect(lines[1].contains("link 2001:db8:ffff::1, interface-id 67:22:5c:01:0a, remote-id 00:00:0d:e9:ff"))
        #expect(lines[2].hasPrefix("198.51.100.8  psid 9/6 (offset 6)  \(Self.key(2))"))
        #expect(lines[0].hasSuffix("until \(IsoTime.string(Self.now - 5_000 + 3_600_000))"))
    }

    @Test func lookupsReturnExactlyTheMatchingLeases() throws {
        let directory = try Self.writeLog()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let byAddress = try Self.lines(["--address", "198.51.100.7"], in: directory)
        #expect(byAddress.count == 1)  // 2 moved away, 3 released, 4 ran out
        #expect(byAddress.first?.contains(Self.key(1).description) == true)
        #expect(try Self.lines(["--address", "198.51.100.8", "--psid", "9"], in: directory).count == 1)
        let bySubscriber = try Self.lines(["--subscriber", "2001:db8:1::2"], in: directory)
        #expect(bySubscriber.count == 1)
        #expect(bySubscriber.first?.hasPrefix("198.51.100.8  psid 9/6") == true)
        #expect(try Self.lines(["--subscriber", "2001:db8:1::3"], in: directory).isEmpty)
        let byClient = try Self.lines(["--client", Self.key(5).description], in: directory)
        #expect(byClient.count == 1 && byClient.first?.contains("full address") == true)
        let plainHex = HexBytes.text(Self.key(1).bytes, separator: "")
        #expect(try Self.lines(["--client", plainHex], in: directory).count == 1)
        #expect(try Self.lines(["--client", "hw:" + plainHex], in: directory).isEmpty)  // another kind
        let bad = try CommandLineTests.run(["leases", "--log-dir", directory, "--subscriber", "198.51.100.7"])
        #expect(bad.status != 0 && bad.errors.contains("--subscriber"))
    }

    @Test func jsonIsOneObjectPerLineWithEscapedRelayBytes() throws {
        let directory = try Self.writeLog()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let lines = try Self.lines(["--json"], in: directory)
        #expect(lines.count == 3)
        let objects = try lines.map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        #expect(objects.map { $0["address"] as? String } == ["198.51.100.7", "198.51.100.8", "198.51.100.8"])
        #expect(objects[0]["psid"] as? Int == 1 && objects[0]["psid-length"] as? Int == 6)
        #expect(objects[0]["full"] as? Bool == false && objects[1]["full"] as? Bool == true)
        #expect(objects[2]["subscriber"] as? String == "2001:db8:1::2")
        #expect(objects[0]["client"] as? String == Self.key(1).description)
        #expect(objects[0]["since-ms"] as? Int64 == Self.now - 5_000)
        #expect(objects[0]["until"] as? String == IsoTime.string(Self.now - 5_000 + 3_600_000, withMilliseconds: true))
        let relay = try #require(objects[1]["relay"] as? [String: Any])
        #expect(relay["link-address"] as? String == "2001:db8:ffff::1")
        #expect(relay["interface-id"] as? String == "g\"\\\u{01}\n")
        #expect(relay["interface-id-hex"] as? String == "67:22:5c:01:0a")
        #expect(relay["remote-id"] == nil)  // 0xff is not UTF-8: hex only
        #expect(relay["remote-id-hex"] as? String == "00:00:0d:e9:ff")
        #expect((objects[0]["relay"] as? [String: Any])?.isEmpty == true)
    }
}
