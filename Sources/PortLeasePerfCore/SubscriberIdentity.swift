import PortLeaseWire

/// The identity of simulated subscriber `index`, derived from the index alone so nothing is
/// stored per subscriber and a reply can be checked against it cheaply.
///
/// - chaddr: the locally administered MAC `02:50:4c:ii:ii:ii` (24 bits of index).
/// - Client identifier (option 61, RFC 4361): type 255, IAID 1, DUID-LL of that MAC.
/// - IPv6 address: `2001:db8:iiii:iiii::1` (its own /64 per subscriber), the innermost
///   Relay-forward's peer-address when queries are relayed.
/// - xid: the index in the high 24 bits, a per-query sequence number in the low 8, so a reply
///   finds its subscriber with a shift and stale replies are told apart by the sequence.
public struct SubscriberIdentity: Hashable, Sendable {
    /// The largest number of subscribers (24 bits of index in the xid and MAC).
    public static let maximumCount = 1 << 24
    /// The length of the option 61 value.
    public static let clientIdentifierLength = 15

    public let index: Int

    public init(_ index: Int) {
        precondition(index >= 0 && index < Self.maximumCount, "subscriber index out of range")
        self.index = index
    }

    /// The 16-byte chaddr field (MAC in the first 6 bytes).
    public var hardwareAddress: ClientHardwareAddress {
        ClientHardwareAddress(high: (0x0250_4C00_0000 | UInt64(index)) << 16, low: 0)
    }

    /// The client's IPv6 address (its own /64).
    public var ipv6Address: IPv6Address {
        IPv6Address(high: 0x2001_0DB8_0000_0000 | UInt64(index), low: 1)
    }

    /// The DHCPv4 xid of query number `sequence` (mod 256).
    public func transactionID(sequence: UInt8) -> UInt32 {
        UInt32(index) << 8 | UInt32(sequence)
    }

    /// The subscriber index and sequence number an xid carries.
    public static func decode(transactionID: UInt32) -> (index: Int, sequence: UInt8) {
        (Int(transactionID >> 8), UInt8(truncatingIfNeeded: transactionID))
    }

    /// Writes the option 61 value (`clientIdentifierLength` bytes) at `destination`.
    public func writeClientIdentifier(to destination: UnsafeMutableRawPointer) {
        let prefix: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0xFF, 0, 0, 0, 1, 0, 3, 0, 1)
        withUnsafeBytes(of: prefix) { destination.copyMemory(from: $0.baseAddress!, byteCount: 9) }
        let mac = hardwareAddress.high.bigEndian
        withUnsafeBytes(of: mac) { (destination + 9).copyMemory(from: $0.baseAddress!, byteCount: 6) }
    }
}
