import Foundation
import LeaseEngine
import LeaseLog
import PortLeaseImport
import PortLeaseServer
import PortLeaseWire
import Testing

/// Writing a plan through `LeaseLog`: every shard's log is created and holds exactly its
/// records, across several commit groups; nothing is written for an empty plan.
@Suite struct ImportPlanWriteTests {
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "portlease-import-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func recordsLandInTheirShardsLogs() throws {
        let base = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let count = 20_000  // more than one commit group
        var text = "address,hwaddr,client_id,valid_lifetime,expire,state\n"
        for index in 0..<count {
            let address = IPv4Address(0x0A00_0000 + UInt32(index))
            text +=
                "\(address),02:00:00:\(HexBytes.text(withUnsafeBytes(of: UInt32(index).bigEndian, Array.init).suffix(3))),,3600,2000000000,0\n"
        }
        let file = try KeaLeaseFile(Array(text.utf8))
        let pools = [
            ImportPlanTests.pools[1].with(ranges: [IPv4Address(0x0A00_0000)...IPv4Address(0x0A00_FFFF)])
        ]
        let plan = ImportPlan(file, into: .init(pools: pools, shardCount: 2), now: 1_900_000_000_000)
        #expect(plan.importedCount == count)
        let written = try plan.write(base: base + "/log", options: LeaseLog.Options(durability: .none))
        #expect(written == plan.records.map(\.count))
        for shard in 0..<2 {
            var replayed: [LeaseRecord] = []
            _ = try LeaseLog.recover(directory: ShardLogs.directory(base + "/log", shard: shard)) {
                replayed.append($0.record)
            }
            #expect(replayed == plan.records[shard])
        }
    }

    @Test func anEmptyPlanWritesNothing() throws {
        let base = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let file = try KeaLeaseFile(Array("address,hwaddr,client_id,valid_lifetime,expire,state\n".utf8))
        let plan = ImportPlan(file, into: .init(pools: ImportPlanTests.pools, shardCount: 2), now: 0)
        #expect(try plan.write(base: base + "/log", options: LeaseLog.Options()) == [0, 0])
        #expect(!FileManager.default.fileExists(atPath: base + "/log"))
    }
}

extension PoolPolicy {
    fileprivate func with(ranges: [ClosedRange<IPv4Address>]) -> PoolPolicy {
        var pool = self
        pool.addressRanges = ranges
        return pool
    }
}
