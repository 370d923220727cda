import LeaseEngine
import LeaseLog
import PortLeaseImport
import PortLeaseServer
import PortLeaseWire
import Testing

/// Deciding what a Kea file's leases become: each skip reason, duplicate clients, the
/// records' fields and shards.
@Suite struct ImportPlanTests {
    static let now: Int64 = 1_900_000_000_000
    static let pools = [
        PoolPolicy(
            name: "map", kind: .shared(.init()),
            addressRanges: [IPv4Address(198, 51, 100, 0)...IPv4Address(198, 51, 100, 255)],
            validLifetime: 3600),
        PoolPolicy(
            name: "full", kind: .full(servePortParamsClients: false),
            addressRanges: [IPv4Address(203, 0, 113, 0)...IPv4Address(203, 0, 113, 63)], validLifetime: 3600),
    ]

    static func key(_ last: UInt8) -> ClientKey { ClientKey(kind: .clientIdentifier, bytes: [1, 2, 0, 0, 0, 0, last]) }

    static func lease(
        _ line: Int, _ address: IPv4Address, key: ClientKey? = key(1), lifetime: UInt32 = 3600,
        expiresIn seconds: Int64 = 600, state: KeaLease.State = .active
    ) -> KeaLease {
        KeaLease(
            line: line, address: address, clientKey: key, validLifetime: lifetime, expire: now / 1000 + seconds,
            state: state)
    }

    static func file(_ leases: [KeaLease]) throws -> KeaLeaseFile {
        var text = "address,hwaddr,client_id,valid_lifetime,expire,state\n"
        for lease in leases {
            let id = lease.clientKey.map { HexBytes.text($0.bytes) } ?? ""
            let state: UInt32 =
                switch lease.state {
                case .active: 0
                case .declined: 1
                case .expiredReclaimed: 2
                case .other(let value): value
                }
            text += "\(lease.address),,\(id),\(lease.validLifetime),\(lease.expire),\(state)\n"
        }
        return try KeaLeaseFile(Array(text.utf8))
    }

    @Test func everySkipReasonIsCounted() throws {
        let full = { (last: UInt8) in IPv4Address(203, 0, 113, last) }
        let file = try Self.file([
            Self.lease(2, full(1), key: Self.key(1)),
            Self.lease(3, full(2), key: Self.key(2), lifetime: 0),
            Self.lease(4, full(3), key: nil, state: .declined),
            Self.lease(5, full(4), key: Self.key(4), state: .expiredReclaimed),
            Self.lease(6, full(5), key: Self.key(5), state: .other(3)),
            Self.lease(7, full(6), key: Self.key(6), expiresIn: 0),
            Self.lease(8, full(7), key: nil),
            Self.lease(9, IPv4Address(192, 0, 2, 1), key: Self.key(9)),
            Self.lease(10, IPv4Address(198, 51, 100, 1), key: Self.key(10)),
            Self.lease(11, full(11), key: Self.key(11)),
            Self.lease(12, full(12), key: Self.key(12)),
        ])
        let target = ImportPlan.Target(
            pools: Self.pools, shardCount: 3, heldAddresses: [full(11)], heldClients: [Self.key(12)])
        let plan = ImportPlan(file, into: target, now: Self.now)
        #expect(plan.importedCount == 1)
        #expect(
            plan.skipped == [
                .released: 1, .declined: 1, .expiredReclaimed: 1, .otherState: 1, .expired: 1, .noClientIdentity: 1,
                .outsidePools: 1, .sharedPool: 1, .addressInLog: 1, .clientInLog: 1,
            ])
    }

    @Test func aBindFromKeasGrantToItsExpiryInTheClientsShard() throws {
        let file = try Self.file(
            (1...40).map { Self.lease(Int($0) + 1, IPv4Address(203, 0, 113, $0), key: Self.key($0)) })
        let plan = ImportPlan(file, into: .init(pools: Self.pools, shardCount: 3), now: Self.now)
        #expect(plan.importedCount == 40)
        #expect(plan.records.allSatisfy { !$0.isEmpty })
        for (shard, records) in plan.records.enumerated() {
            for record in records {
                #expect(ShardChoice.shard(of: record.clientKey, shardCount: 3) == shard)
                #expect(record.event == .bind && record.psidLength == 0 && record.psidOffset == 0)
                #expect(record.subscriber == .unspecified && record.relay == .none)
                #expect(record.lifetime == 3600)
                #expect(record.time == Self.now + 600_000 - 3_600_000)
            }
        }
    }

    @Test func aClientWithTwoLeasesKeepsTheOneThatExpiresLast() throws {
        let file = try Self.file([
            Self.lease(2, IPv4Address(203, 0, 113, 1), key: Self.key(1), expiresIn: 900),
            Self.lease(3, IPv4Address(203, 0, 113, 2), key: Self.key(1), expiresIn: 300),
            Self.lease(4, IPv4Address(203, 0, 113, 3), key: Self.key(1), expiresIn: 600),
        ])
        let plan = ImportPlan(file, into: .init(pools: Self.pools, shardCount: 1), now: Self.now)
        #expect(plan.records[0].map(\.address) == [IPv4Address(203, 0, 113, 1)])
        #expect(plan.skipped == [.duplicateClient: 2])
    }
}
