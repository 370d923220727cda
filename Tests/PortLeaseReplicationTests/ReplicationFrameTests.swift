import LeaseLog
import PortLeaseWire
import Testing

@testable import PortLeaseReplication

@Suite struct ReplicationFrameTests {
    static func record(_ index: Int) -> LeaseRecord {
        LeaseRecord(
            event: .bind, time: 1_800_000_000_000 + Int64(index),
            clientKey: ClientKey(kind: .clientIdentifier, bytes: [1, 2, 3, UInt8(index)]),
            subscriber: IPv6Address("2001:db8::7")!,
            relay: RelayIdentity(remoteID: [0, 0, 0, 9, 1, 2]),
            address: IPv4Address(0xC633_6400 + UInt32(index)), psid: 3, psidLength: 6, psidOffset: 6, lifetime: 3600)
    }

    @Test func everyFrameRoundTrips() throws {
        let encoder = RecordBytes()
        for index in 0..<3 { try encoder.append(Self.record(index)) }
        let records = encoder.take()
        for index in 3..<5 { try encoder.append(Self.record(index)) }
        let frames: [ReplicationFrame] = [
            .hello(instance: "a", groups: ["g1", "g2"], shards: 2),
            .resume(positions: [0, 17, UInt64.max]),
            .refuse(reason: "took over g1"),
            .records(shard: 1, through: 99, bytes: records),
            .ack(shard: 1, through: 99),
            .heartbeat(time: -5),
            .caughtUp,
            .takenOver(groups: ["g1", "g2"]),
            .snapshotBegins(shard: 1, through: 41_000),
            .snapshotEnds(shard: 1, through: 41_000),
            .failback(groups: ["g1"], through: [7, 0]),
            .handBack(shard: 1, bytes: encoder.take()),
            .handedBack(groups: ["g1", "g3"]),
            .failbackDone(groups: []),
        ]
        for frame in frames {
            let bytes = frame.encoded()
            let length = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
            #expect(length == bytes.count - 4)
            #expect(try ReplicationFrame.decode(bytes[4...]) == frame)
        }
    }

    @Test func recordsComeBackAsTheyWent() throws {
        let encoder = RecordBytes()
        let records = (0..<5).map(Self.record)
        for record in records { try encoder.append(record) }
        #expect(encoder.recordCount == 5)
        let bytes = encoder.take()
        #expect(encoder.recordCount == 0 && encoder.byteCount == 0)
        #expect(try bytes.withUnsafeBytes { try RecordBytes.decode($0) } == records)
    }

    @Test func aDamagedRecordIsRefusedWithItsOffset() throws {
        let encoder = RecordBytes()
        try encoder.append(Self.record(0))
        try encoder.append(Self.record(1))
        var bytes = encoder.take()
        let second = bytes.count / 2
        bytes[second + 20] ^= 0xFF
        #expect(throws: LeaseLogError.self) { try bytes.withUnsafeBytes { try RecordBytes.decode($0) } }
        #expect(throws: LeaseLogError.self) { try bytes.dropLast().withUnsafeBytes { try RecordBytes.decode($0) } }
    }

    @Test func truncatedOrUnknownFramesAreRefused() {
        let hello = ReplicationFrame.hello(instance: "a", groups: ["g1"], shards: 2).encoded()
        #expect(throws: ReplicationFrame.DecodingError.self) {
            try ReplicationFrame.decode(hello[4..<(hello.count - 1)])
        }
        #expect(throws: ReplicationFrame.DecodingError.self) { try ReplicationFrame.decode([99, 0, 0][...]) }
        let ack = ReplicationFrame.ack(shard: 0, through: 1).encoded()
        #expect(throws: ReplicationFrame.DecodingError.self) { try ReplicationFrame.decode((ack[4...] + [0])[...]) }
    }
}
