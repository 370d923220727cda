import LeaseLog
import PortLeaseWire

/// The records the crash-test child writes: a pure function of the sequence number, so the
/// parent test can check that every recovered record is exactly one the child appended.
enum CrashWorkload {
    static func record(for sequence: UInt64) -> LeaseRecord {
        var key: [UInt8] = [0xFF, 0, 0, 0, 1, 0, 1]
        for shift in stride(from: 56, through: 0, by: -8) {
            key.append(UInt8(truncatingIfNeeded: sequence >> UInt64(shift)))
        }
        let events: [LeaseRecord.Event] = [.bind, .renew, .renew, .release]
        return LeaseRecord(
            event: events[Int(sequence % 4)], time: 1_700_000_000_000 + Int64(sequence),
            clientKey: ClientKey(kind: .clientIdentifier, bytes: key),
            subscriber: IPv6Address(high: 0x2001_0DB8_0000_0000, low: sequence),
            relay: RelayIdentity(
                linkAddress: IPv6Address(high: 0x2001_0DB8_FFFF_0000, low: 1),
                interfaceID: Array("port\(sequence % 97)".utf8)),
            address: IPv4Address(0xC633_6400 | UInt32(truncatingIfNeeded: sequence % 256)),
            psid: UInt16(truncatingIfNeeded: sequence % 64), psidLength: 6, psidOffset: 6, lifetime: 3600)
    }
}

extension CrashWorkload {
    /// The records of the compaction crash test: 50 clients over 4 addresses binding, renewing
    /// (sometimes from a new subscriber address), releasing, expiring and declining, two minutes
    /// apart, so that holdings end, day files fill and retention has days to delete.
    static func churnRecord(for sequence: UInt64) -> LeaseRecord {
        let client = sequence % 50
        let round = sequence / 50
        let events: [LeaseRecord.Event] = [.bind, .renew, .renew, .release, .bind, .renew, .expire, .bind, .decline]
        var key: [UInt8] = [0xFF, 0, 0, 0, 2, 0, 1]
        key.append(UInt8(client))
        let moved = round % 9 == 2 && client % 4 == 0
        return LeaseRecord(
            event: events[Int(round % 9)], time: 1_700_000_000_000 + Int64(sequence) * 120_000,
            clientKey: ClientKey(kind: .clientIdentifier, bytes: key),
            subscriber: IPv6Address(high: 0x2001_0DB8_0000_0000, low: moved ? 0xFFFF : client),
            relay: RelayIdentity(linkAddress: IPv6Address(high: 0x2001_0DB8_FFFF_0000, low: 1)),
            address: IPv4Address(0xC633_6400 | UInt32((client + round / 9) % 4)),
            psid: UInt16(client % 16), psidLength: 6, psidOffset: 6, lifetime: 3600)
    }
}
