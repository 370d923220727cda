import PortLeaseWire
import Testing

@testable import LeaseLog

@Suite struct RecordCodecTests {
    private func encode(_ record: LeaseRecord) -> [UInt8] {
        let buffer = ByteBuffer(capacity: 64)
        RecordCodec.encode(record, into: buffer)
        return Array(buffer.bytes)
    }

    private func decode(_ bytes: [UInt8]) -> RecordCodec.Outcome {
        bytes.withUnsafeBytes { RecordCodec.decode($0, at: 0) }
    }

    @Test func roundTripsEveryShape() throws {
        let records = [
            Sample.record(1),
            Sample.record(2, event: .renew, psid: 0, psidLength: 0, psidOffset: 0),
            LeaseRecord(
                event: .release, time: -5, clientKey: ClientKey(kind: .hardwareAddress, bytes: [1, 2, 3, 4, 5, 6]),
                subscriber: IPv6Address("2001:db8::9")!, address: IPv4Address(192, 0, 2, 1), lifetime: 0),
            LeaseRecord(
                event: .decline, time: Int64.max,
                clientKey: ClientKey(kind: .clientIdentifier, bytes: Array(repeating: 7, count: 255)),
                subscriber: .unspecified,
                relay: RelayIdentity(linkAddress: nil, interfaceID: [], remoteID: Array(repeating: 9, count: 255)),
                address: IPv4Address(UInt32.max), psid: 0xFFFF, psidLength: 16, psidOffset: 0, lifetime: .max),
            // Every relay part at its largest: the longest record the format holds.
            LeaseRecord(
                event: .forcedRelease, time: 1,
                clientKey: ClientKey(kind: .clientIdentifier, bytes: Array(repeating: 7, count: 255)),
                subscriber: IPv6Address("2001:db8::9")!,
                relay: RelayIdentity(
                    linkAddress: IPv6Address("2001:db8::1"), interfaceID: Array(repeating: 1, count: 255),
                    remoteID: Array(repeating: 2, count: 255), subscriberID: Array(repeating: 3, count: 255)),
                address: IPv4Address(192, 0, 2, 1), lifetime: 0),
            // A Subscriber-ID alone (a relay that sends only option 38).
            LeaseRecord(
                event: .bind, time: 2, clientKey: ClientKey(kind: .hardwareAddress, bytes: [1, 2, 3, 4, 5, 6]),
                subscriber: IPv6Address("2001:db8::9")!, relay: RelayIdentity(subscriberID: Array("cust-1".utf8)),
                address: IPv4Address(192, 0, 2, 1), lifetime: 60),
        ]
        for record in records {
            try RecordCodec.validate(record)
            let bytes = encode(record)
            #expect(bytes.count == RecordCodec.size(of: record))
            guard case .record(let decoded, let length) = decode(bytes) else {
                Issue.record("did not decode \(record)")
                continue
            }
            #expect(decoded == record)
            #expect(length == bytes.count)
        }
        #expect(encode(records[4]).count == RecordCodec.maximumSize)
    }

    @Test func typicalDUIDRecordIsUnder96Bytes() {
        let bytes = encode(Sample.record(1))
        #expect(Sample.clientKey(1).bytes.count == 19)
        #expect(bytes.count < 96)
    }

    @Test func everyFlippedBitIsDetected() {
        let bytes = encode(Sample.record(3))
        for index in bytes.indices {
            for bit in 0..<8 {
                var damaged = bytes
                damaged[index] ^= 1 << bit
                if case .record = decode(damaged) { Issue.record("bit \(bit) of byte \(index) not detected") }
            }
        }
    }

    @Test func truncatedRecordIsIncomplete() {
        let bytes = encode(Sample.record(4))
        for count in 0..<bytes.count {
            guard case .incomplete = decode(Array(bytes.prefix(count))) else {
                Issue.record("prefix of \(count) bytes not reported incomplete")
                continue
            }
        }
    }

    @Test func invalidRecordsAreRejectedBeforeEncoding() {
        var empty = Sample.record(5)
        empty.clientKey = ClientKey(kind: .clientIdentifier, bytes: [])
        var long = Sample.record(5)
        long.relay.interfaceID = Array(repeating: 0, count: 256)
        var longSubscriberID = Sample.record(5)
        longSubscriberID.relay.subscriberID = Array(repeating: 0, count: 256)
        var psid = Sample.record(5)
        psid.psid = 64
        var offset = Sample.record(5)
        offset.psidOffset = 12
        for record in [empty, long, longSubscriberID, psid, offset] {
            #expect(throws: LeaseLogError.self) { try RecordCodec.validate(record) }
        }
    }
}
