import GeneratorSupport
import LeaseLog
import PortLeaseWire

/// The address plan of a simulation: a MAP-style shared pool (64 port sets per address, PSID
/// offset 6, from 100.64.0.0) holding 95% of the port-set slots and a pool of full addresses
/// (from 198.18.0.0) for the rest, with 5% more slots than subscribers so that churn always
/// finds a free one. Shared by the generator, the trace benchmark and the server config it writes.
struct AddressPlan {
    static let psidLength: UInt8 = 6
    static let psidOffset: UInt8 = 6
    static let sharedBase = IPv4Address(100, 64, 0, 0).value
    static let fullBase = IPv4Address(198, 18, 0, 0).value

    let slots: Int
    let sharedSlots: Int
    var sharedAddresses: Int { sharedSlots >> Int(Self.psidLength) }
    var fullAddresses: Int { slots - sharedSlots }

    init(subscribers: Int) {
        slots = subscribers + subscribers / 20 + 64
        sharedSlots = ((slots * 95 / 100) >> Int(Self.psidLength)) << Int(Self.psidLength)
    }

    /// The port set of slot `slot`: (address, psid, psid length, offset).
    @inline(__always)
    func portSet(_ slot: Int) -> (address: IPv4Address, psid: UInt16, length: UInt8, offset: UInt8) {
        if slot < sharedSlots {
            return (
                IPv4Address(Self.sharedBase + UInt32(slot >> Int(Self.psidLength))),
                UInt16(slot & ((1 << Int(Self.psidLength)) - 1)), Self.psidLength, Self.psidOffset
            )
        }
        return (IPv4Address(Self.fullBase + UInt32(slot - sharedSlots)), 0, 0, 0)
    }

    /// The smallest CIDR block from `base` holding `count` addresses, for the server's pool.
    static func cidr(base: UInt32, count: Int) -> String {
        var length = 32
        while length > 0 && (1 << (32 - length)) < count { length -= 1 }
        return "\(IPv4Address(base))/\(length)"
    }
}

/// The subscribers' identities: a DUID-style client identifier (RFC 4361: type 255, IAID,
/// DUID-LLT = 19 bytes) per subscriber, an IPv6 address per subscriber and "line" variant, and
/// a relay (link-address + 8-byte Interface-ID) per line. Keys are made once: building a
/// record then copies values and allocates nothing.
struct Identities {
    let keys: [ClientKey]
    static let relays: UInt64 = 4_096

    init(subscribers: Int, seed: UInt64) {
        var keys: [ClientKey] = []
        keys.reserveCapacity(subscribers)
        for index in 0..<subscribers {
            var random = SplitMix64(seed: seed ^ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
            let iaid = UInt32(truncatingIfNeeded: random.next())
            let created = UInt32(truncatingIfNeeded: random.next())
            var bytes: [UInt8] = [0xFF]
            bytes += withUnsafeBytes(of: iaid.bigEndian, Array.init)
            bytes += [0x00, 0x01, 0x00, 0x01]  // DUID-LLT, Ethernet
            bytes += withUnsafeBytes(of: created.bigEndian, Array.init)
            bytes += [0x02, 0x00]  // locally administered MAC, unique per index
            bytes += withUnsafeBytes(of: UInt32(index).bigEndian, Array.init)
            keys.append(ClientKey(kind: .clientIdentifier, bytes: bytes))
        }
        self.keys = keys
    }

    /// Subscriber `index`'s IPv6 address in its `variant`-th prefix (a CPE that got a new prefix).
    @inline(__always)
    static func subscriber(_ index: Int, variant: UInt16) -> IPv6Address {
        IPv6Address(high: 0x2001_0DB8_0000_0000 | UInt64(index), low: UInt64(variant) << 48 | 1)
    }

    /// The relay of subscriber `index` on its `line`-th line (a line move changes both parts).
    @inline(__always)
    static func relay(_ index: Int, line: UInt8) -> RelayIdentity {
        let relay = (UInt64(index) / 256 &+ UInt64(line) &* 7_919) % relays
        let link = IPv6Address(high: 0x2001_0DB8_FFFF_0000 | relay, low: 1)
        // "ge0/" and four hex digits of the port on that relay: 8 bytes, as the format doc assumes.
        let port = UInt64(index &+ Int(line) &* 131) & 0xFFFF
        var text: UInt64 = 0x2F30_6567  // "ge0/" little-endian
        for digit in 0..<4 {
            let nibble = (port >> UInt64(12 - 4 * digit)) & 0xF
            let character = nibble < 10 ? 0x30 + nibble : 0x61 + nibble - 10
            text |= character << UInt64(32 + 8 * digit)
        }
        let interface = withUnsafeBytes(of: text) { InlineBytes($0) }
        return RelayIdentity(linkAddress: link, interfaceIDBytes: interface, remoteIDBytes: nil)
    }
}

/// The port-set slots not held, first in first out: a released port set goes to the back, so
/// an address passes through many holders over the months (what makes trace queries real).
struct FreeSlots {
    private var ring: [Int32]
    private var head = 0
    private var count = 0

    init(capacity: Int) { ring = Array(repeating: 0, count: capacity) }

    mutating func push(_ slot: Int) {
        ring[(head + count) % ring.count] = Int32(slot)
        count += 1
    }

    mutating func pop() -> Int {
        precondition(count > 0, "no free port set: the plan has too few slots")
        let slot = Int(ring[head])
        head = (head + 1) % ring.count
        count -= 1
        return slot
    }
}
