import PortLeaseWire

/// The engine harness's compact steps: eight bytes that name what one of sixteen
/// simulated clients sends next, built into a real datagram by its ``SeedClient``.
///
/// Raw datagrams reach the engine only while a mutation keeps their framing intact;
/// commands keep every step a well-formed query, so the fuzzer spends its time on
/// sequences of lease states (which client holds what, when, under which subscriber)
/// rather than on parse errors, which the datagram harness covers.
///
///     0  client (low 4 bits), relay (bits 4-5: none, one, two levels, Remote-ID relay),
///        full-address client (bit 6), U flag (bit 7)
///     1  message (low 3 bits: DISCOVER, SELECTING, RENEWING/REBINDING, INIT-REBOOT,
///        RELEASE, DECLINE, INFORM, REQUEST naming another server); bit 3: no option 61
///     2  address: 0 the client's remembered one, else one of ``addresses``
///     3  option 159: 0 the client's remembered one (a hint for DISCOVER), 0xFF none,
///        else PSID length (low 4 bits) and offset (bits 4-5: 6, 0, 4, 2)
///     4-5 PSID (big-endian, cut to the length)
///     6  Remote-ID (low 2 bits) and Subscriber-ID (bits 2-3) of a Remote-ID relay
///     7  hinted PSID length for a DISCOVER without a remembered one (0: none)
public struct ClientCommand {
    public static let size = 8
    /// Addresses a command can name: each pool's, and one no pool holds.
    static let addresses = [
        IPv4Address(198, 51, 100, 1), IPv4Address(198, 51, 100, 2), IPv4Address(203, 0, 113, 16),
        IPv4Address(203, 0, 113, 17), IPv4Address(192, 0, 2, 100), IPv4Address(10, 0, 0, 1),
    ]

    let bytes: [UInt8]

    public init(_ raw: UnsafeRawBufferPointer) {
        bytes = Array(raw) + [UInt8](repeating: 0, count: max(0, Self.size - raw.count))
    }

    public init(bytes: [UInt8]) {
        precondition(bytes.count == Self.size, "a command is \(Self.size) bytes")
        self.bytes = bytes
    }

    public var client: Int { Int(bytes[0] & 15) }

    /// The datagram `client` sends for this command; it updates the client's relay and
    /// identity settings, and keeps what it remembers.
    public func datagram(from client: inout SeedClient) -> [UInt8] {
        let relay = Int(bytes[0] >> 4 & 3)
        client.relays = min(relay, 2)
        client.remoteID = relay == 3 ? [0, 0, 0x0D, 0xE9] + Array("cpe-\(bytes[6] & 3)".utf8) : nil
        client.subscriberID = Array("site-\(bytes[6] >> 2 & 3)".utf8)
        client.full = bytes[0] & 0x40 != 0
        client.sendsClientIdentifier = bytes[1] & 8 == 0
        client.psidLengthHint = bytes[7] == 0 ? nil : bytes[7] & 15
        let unicast = bytes[0] & 0x80 != 0
        let address = bytes[2] == 0 ? client.address : Self.addresses[Int(bytes[2] - 1) % Self.addresses.count]
        let params = portParams(remembered: client.portParams)
        switch bytes[1] & 7 {
        case 0: return client.query(.discover, requested: address, portParams: params, unicast: unicast)
        case 1:
            return client.query(
                .request, requested: address, server: FuzzSetup.serverIdentifier, portParams: params, unicast: unicast)
        case 2: return client.query(.request, ciaddr: address ?? .zero, portParams: params, unicast: unicast)
        case 3: return client.query(.request, requested: address, portParams: params, unicast: unicast)
        case 4: return client.query(.release, ciaddr: address ?? .zero, portParams: params, unicast: unicast)
        case 5: return client.query(.decline, requested: address, portParams: params, unicast: unicast)
        case 6: return client.query(.inform, ciaddr: address ?? .zero, unicast: unicast)
        default:
            return client.query(
                .request, requested: address, server: IPv4Address(192, 0, 2, 9), portParams: params, unicast: unicast)
        }
    }

    /// Option 159 as byte 3 and bytes 4-5 say.
    func portParams(remembered: PortParams?) -> PortParams? {
        switch bytes[3] {
        case 0: return remembered
        case 0xFF: return nil
        default:
            let length = bytes[3] & 15
            let offset: UInt8 = [6, 0, 4, 2][Int(bytes[3] >> 4 & 3)]
            let psid = (UInt16(bytes[4]) << 8 | UInt16(bytes[5])) & UInt16((1 << Int(length)) - 1)
            return try? PortParams(offset: offset, psidLength: length, psid: psid)
        }
    }

    /// Bytes for a seed: `client` sends `message` (byte 1) with the other fields zero
    /// (the remembered address and port set), relayed once.
    public static func encode(client: Int, message: UInt8, relay: UInt8 = 1, extra: [UInt8] = []) -> [UInt8] {
        let head = [UInt8(client & 15) | relay << 4, message]
        return head + extra + [UInt8](repeating: 0, count: size - 2 - extra.count)
    }
}
