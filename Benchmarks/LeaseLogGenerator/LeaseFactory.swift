import GeneratorSupport
import LeaseLog
import PortLeaseWire

/// The lease of client number `index`: a deterministic, varied mix of what an ISP's log holds.
///
/// - Client keys: RFC 4361 identifiers (type 255, IAID, DUID-LLT: 19 bytes), unique per index.
/// - Addresses: 95% shared, 64 port sets per address (PSID length 6, offset 6) from
///   100.64.0.0 on, so 10M leases span three /16s; 5% full addresses from 198.18.0.0.
///   Slots are a permutation of the indexes, so one address's holders are scattered
///   through the log as they would be after months of churn.
/// - Subscribers: a unique IPv6 address per client under 2001:db8::/32.
/// - Relays: 256 relays; some send no Interface-ID, some no Remote-ID, a few none at
///   all; one in 97 Interface-IDs holds a quote, a backslash and a control byte (half of
///   those also a byte that is not UTF-8), so tools that print them must escape.
struct LeaseFactory {
    let leases: Int
    let lifetime: UInt32
    let seed: UInt64
    /// Multiplier of the slot permutation: odd and coprime to `leases`.
    private let stride: Int
    private let fullCount: Int

    init(leases: Int, lifetime: UInt32, seed: UInt64) {
        self.leases = leases
        self.lifetime = lifetime
        self.seed = seed
        fullCount = leases / 20
        var stride = 2_654_435_761 % max(leases, 1)
        while leases > 1 && Self.gcd(stride, leases) != 1 { stride += 1 }
        self.stride = max(stride, 1)
    }

    /// The client key of client `index`.
    func clientKey(_ index: Int) -> ClientKey {
        var random = SplitMix64(seed: seed ^ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        let iaid = UInt32(truncatingIfNeeded: random.next())
        let created = UInt32(truncatingIfNeeded: random.next())
        let value = UInt64(index)
        var bytes: [UInt8] = [0xFF]
        bytes += withUnsafeBytes(of: iaid.bigEndian, Array.init)
        bytes += [0x00, 0x01, 0x00, 0x01]  // DUID-LLT, Ethernet
        bytes += withUnsafeBytes(of: created.bigEndian, Array.init)
        bytes += [0x02, UInt8(truncatingIfNeeded: value >> 32)]  // locally administered MAC, unique per index
        bytes += withUnsafeBytes(of: UInt32(truncatingIfNeeded: value).bigEndian, Array.init)
        return ClientKey(kind: .clientIdentifier, bytes: bytes)
    }

    /// Client `index`'s record: a bind at `time`, or a renew when `renewal` is set.
    func record(_ index: Int, time: Int64, renewal: Bool) -> LeaseRecord {
        let slot = index * stride % leases
        var record = LeaseRecord(
            event: renewal ? .renew : .bind, time: time, clientKey: clientKey(index),
            subscriber: IPv6Address(high: 0x2001_0DB8_0000_0000 | UInt64(index) << 8, low: 1),
            relay: relay(index), address: .zero, lifetime: lifetime)
        if slot < fullCount {
            record.address = IPv4Address(IPv4Address(198, 18, 0, 0).value + UInt32(slot))
        } else {
            let shared = slot - fullCount
            record.address = IPv4Address(IPv4Address(100, 64, 0, 0).value + UInt32(shared / 64))
            record.psid = UInt16(shared % 64)
            record.psidLength = 6
            record.psidOffset = 6
        }
        return record
    }

    private func relay(_ index: Int) -> RelayIdentity {
        let relay = index % 256
        if relay == 255 { return .none }
        let link = IPv6Address(high: 0x2001_0DB8_FFFF_0000 | UInt64(relay), low: 1)
        let port = index / 256 % 48
        var interface = Array("ge-0/0/\(port).\(index % 4094 + 1)".utf8)
        if index % 97 == 0 { interface += [0x22, 0x5C, 0x01] }  // " \ ^A: escaped in JSON
        if index % 194 == 0 { interface.append(0xFF) }  // not UTF-8: hex only
        let remote: [UInt8]? =
            relay % 5 == 0 ? nil : [0x00, 0x00, 0x0D, 0xE9] + Array("olt-\(relay)-\(index % 1000)".utf8)
        return RelayIdentity(linkAddress: link, interfaceID: relay % 7 == 0 ? nil : interface, remoteID: remote)
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}
