/// The fixed BOOTP fields of a DHCPv4 message (RFC 2131 section 2), as values.
///
/// Reading it from a ``DHCPv4MessageView`` copies 44 bytes of fields, never the
/// packet; writing it (``ByteWriter/writeDHCPv4Header(_:sname:file:)``) lays out
/// the 236-byte header and the magic cookie. `sname` and `file` are not here:
/// they are views on the read side and usually zeros on the write side.
public struct DHCPv4Header: Hashable, Sendable {
    /// Size of the fixed header, before the magic cookie.
    public static let size = 236
    /// 99.130.83.99, which starts the options (RFC 2131 section 3).
    public static let magicCookie: UInt32 = 0x6382_5363
    /// BOOTREQUEST, from a client.
    public static let bootRequest: UInt8 = 1
    /// BOOTREPLY, from a server.
    public static let bootReply: UInt8 = 2
    /// The broadcast bit of `flags`.
    public static let broadcastFlag: UInt16 = 0x8000

    public var op: UInt8
    public var htype: UInt8
    public var hlen: UInt8
    public var hops: UInt8
    public var xid: UInt32
    public var secs: UInt16
    public var flags: UInt16
    public var ciaddr: IPv4Address
    public var yiaddr: IPv4Address
    public var siaddr: IPv4Address
    public var giaddr: IPv4Address
    /// The 16-byte chaddr field; the hardware address is its first `hlen` bytes.
    public var chaddr: ClientHardwareAddress

    public init(
        op: UInt8, htype: UInt8 = 1, hlen: UInt8 = 6, hops: UInt8 = 0, xid: UInt32, secs: UInt16 = 0,
        flags: UInt16 = 0, ciaddr: IPv4Address = .zero, yiaddr: IPv4Address = .zero,
        siaddr: IPv4Address = .zero, giaddr: IPv4Address = .zero, chaddr: ClientHardwareAddress
    ) {
        self.op = op
        self.htype = htype
        self.hlen = hlen
        self.hops = hops
        self.xid = xid
        self.secs = secs
        self.flags = flags
        self.ciaddr = ciaddr
        self.yiaddr = yiaddr
        self.siaddr = siaddr
        self.giaddr = giaddr
        self.chaddr = chaddr
    }

    /// Reads the fields; `bytes` holds at least ``size`` bytes (checked by the caller).
    init(unchecked bytes: UnsafeRawBufferPointer) {
        op = bytes.readUInt8(at: 0)
        htype = bytes.readUInt8(at: 1)
        hlen = bytes.readUInt8(at: 2)
        hops = bytes.readUInt8(at: 3)
        xid = bytes.readUInt32(at: 4)
        secs = bytes.readUInt16(at: 8)
        flags = bytes.readUInt16(at: 10)
        ciaddr = IPv4Address(bytes.readUInt32(at: 12))
        yiaddr = IPv4Address(bytes.readUInt32(at: 16))
        siaddr = IPv4Address(bytes.readUInt32(at: 20))
        giaddr = IPv4Address(bytes.readUInt32(at: 24))
        chaddr = ClientHardwareAddress(high: bytes.readUInt64(at: 28), low: bytes.readUInt64(at: 36))
    }
}

/// The 16-byte `chaddr` field of a DHCPv4 message, held inline.
public struct ClientHardwareAddress: Hashable, Sendable, CustomStringConvertible {
    /// Bytes 0...7 of the field, big-endian.
    public var high: UInt64
    /// Bytes 8...15 of the field, big-endian.
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// A field holding `bytes` (at most 16) followed by zeros.
    public init(bytes: some Collection<UInt8>) {
        precondition(bytes.count <= 16, "chaddr holds at most 16 bytes")
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 8 {
                high |= UInt64(byte) << UInt64(56 - 8 * index)
            } else {
                low |= UInt64(byte) << UInt64(56 - 8 * (index - 8))
            }
        }
        self.init(high: high, low: low)
    }

    /// Byte `index` (0...15) of the field.
    public subscript(index: Int) -> UInt8 {
        precondition(index >= 0 && index < 16, "chaddr index out of range")
        let word = index < 8 ? high : low
        return UInt8(truncatingIfNeeded: word >> UInt64(56 - 8 * (index % 8)))
    }

    /// The first `count` bytes as colon-separated hex (a MAC address for count 6).
    public func text(count: Int) -> String {
        HexBytes.text((0..<min(max(count, 0), 16)).map { self[$0] })
    }

    public var description: String { text(count: 16) }
}
