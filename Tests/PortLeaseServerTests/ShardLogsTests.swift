import Foundation
import LeaseEngine
import LeaseLog
import Logging
import PortLeaseServer
import PortLeaseWire
import Testing

@Suite struct ShardLogsTests {
    @Test func leasesSurviveARestartAndExpiriesWhileDownAreRecorded() throws {
        try withTemporaryDirectory { base in
            let now: Int64 = 1_800_000_000_000
            let engines = try LeaseEngine.makeShards(ServerFixtures.engineConfiguration(), count: 2)
            let logs = try ShardLogs.open(
                base: base, engines: engines, options: .init(), now: now, logger: Logger(label: "t"))
            // Bind one client through the engine of its shard and log it.
            let client = WireClient(number: 5)
            let key = ClientKey(kind: .clientIdentifier, bytes: client.clientIdentifier)
            let shard = Int(key.stableHash % 2)
            let record = LeaseRecord(
                event: .bind, time: now, clientKey: key, subscriber: client.address,
                address: IPv4Address("198.51.100.3")!, psid: 7, psidLength: 6, psidOffset: 6, lifetime: 3600)
            _ = try logs[shard].append(record)
            _ = try logs[shard].commit()
            logs.forEach { $0.close() }

            let restarted = try LeaseEngine.makeShards(ServerFixtures.engineConfiguration(), count: 2)
            let reopened = try ShardLogs.open(
                base: base, engines: restarted, options: .init(), now: now + 1000, logger: Logger(label: "t"))
            #expect(restarted[shard].lease(of: key)?.binding.psid == 7)
            reopened.forEach { $0.close() }

            let later = try LeaseEngine.makeShards(ServerFixtures.engineConfiguration(), count: 2)
            let afterExpiry = try ShardLogs.open(
                base: base, engines: later, options: .init(), now: now + 3_700_000, logger: Logger(label: "t"))
            #expect(later[shard].lease(of: key) == nil)
            afterExpiry.forEach { $0.close() }
            var events: [LeaseRecord.Event] = []
            _ = try LeaseLog.recover(directory: ShardLogs.directory(base, shard: shard)) {
                events.append($0.record.event)
            }
            #expect(events == [.bind, .expire])
        }
    }

    @Test func aDifferentShardCountIsRefusedWithTheReason() throws {
        try withTemporaryDirectory { base in
            let two = try LeaseEngine.makeShards(ServerFixtures.engineConfiguration(), count: 2)
            try ShardLogs.open(base: base, engines: two, options: .init(), now: 0, logger: Logger(label: "t")).forEach {
                $0.close()
            }
            let three = try LeaseEngine.makeShards(ServerFixtures.engineConfiguration(), count: 3)
            do {
                _ = try ShardLogs.open(base: base, engines: three, options: .init(), now: 0, logger: Logger(label: "t"))
                Issue.record("opened a 2-shard log with 3 shards")
            } catch {
                #expect("\(error)".contains("written by 2 shard(s)"))
                #expect("\(error)".contains("workers = 2"))
            }
        }
    }

    @Test func theGeneratedServerDUIDIsStableAcrossRestarts() throws {
        try withTemporaryDirectory { base in
            let first = try ServerIdentity.duid(configured: nil, stateDirectory: base)
            #expect(first.count == 18)
            #expect(first[0...1] == [0, 4], "DUID-UUID")
            #expect(try ServerIdentity.duid(configured: nil, stateDirectory: base) == first)
            #expect(
                try ServerIdentity.duid(configured: [0, 3, 0, 1, 1, 2, 3, 4, 5, 6], stateDirectory: base) == [
                    0, 3, 0, 1, 1, 2, 3, 4, 5, 6,
                ])
        }
    }
}
