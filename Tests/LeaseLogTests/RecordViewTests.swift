import PortLeaseWire
import Testing

@testable import LeaseLog

/// A record read in place: the relay options a log search by subscriber key compares, found
/// past every part before them, and absent when their flag is not set.
@Suite struct RecordViewTests {
    static func view<Result>(_ record: LeaseRecord, _ body: (RecordView) -> Result) -> Result {
        let buffer = ByteBuffer(capacity: 64)
        RecordCodec.encode(record, into: buffer)
        return Array(buffer.bytes).withUnsafeBytes { body(RecordView($0)) }
    }

    static func record(_ relay: RelayIdentity, key: [UInt8] = [1, 2, 3]) -> LeaseRecord {
        LeaseRecord(
            event: .bind, time: 1, clientKey: ClientKey(kind: .clientIdentifier, bytes: key),
            subscriber: IPv6Address("2001:db8::9")!, relay: relay, address: IPv4Address(192, 0, 2, 1), lifetime: 60)
    }

    @Test(arguments: [
        RelayIdentity(remoteID: [0, 0, 0x0D, 0xE9, 7]),
        RelayIdentity(subscriberID: Array("cust-1".utf8)),
        RelayIdentity(
            linkAddress: IPv6Address("2001:db8::1"), interfaceID: [1, 2], remoteID: [9], subscriberID: [8, 8]),
        RelayIdentity(
            linkAddress: IPv6Address("2001:db8::1"), interfaceID: Array(repeating: 1, count: 255),
            remoteID: Array(repeating: 2, count: 255), subscriberID: Array(repeating: 3, count: 255)),
        RelayIdentity(linkAddress: IPv6Address("2001:db8::1"), interfaceID: [5]),
        .none,
    ])
    func relayOptionsAreReadInPlace(relay: RelayIdentity) {
        let (remote, subscriber) = Self.view(Self.record(relay, key: Array(repeating: 4, count: 40))) {
            ($0.remoteIDBytes.map(Array.init), $0.subscriberIDBytes.map(Array.init))
        }
        #expect(remote == relay.remoteIDBytes?.withUnsafeBytes { Array($0) })
        #expect(subscriber == relay.subscriberIDBytes?.withUnsafeBytes { Array($0) })
    }
}
