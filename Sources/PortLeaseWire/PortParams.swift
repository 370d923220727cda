/// Why an OPTION_V4_PORTPARAMS (159) value was rejected.
public enum PortParamsError: Error, Hashable, Sendable {
    /// The option's length is not 4.
    case badLength(Int)
    /// The PSID offset is above 15.
    case offsetTooLarge(UInt8)
    /// The PSID length is above 16.
    case psidLengthTooLarge(UInt8)
    /// offset + PSID length is above 16: no port bits would be left.
    case offsetPlusLengthTooLarge(offset: UInt8, psidLength: UInt8)
    /// The 16-bit PSID field has bits set below its left-aligned PSID-len bits.
    case psidBitsBeyondLength(field: UInt16, psidLength: UInt8)
    /// A right-aligned PSID value does not fit in PSID-len bits.
    case psidTooLarge(psid: UInt16, psidLength: UInt8)
}

/// OPTION_V4_PORTPARAMS (DHCPv4 option 159, RFC 7618 section 4): a port set.
///
/// Wire layout, 4 bytes: `offset (1) | PSID-len (1) | PSID (2)`. The PSID field is
/// **left-aligned**: a PSID value `v` of length `k` travels as `v << (16 - k)`.
/// This type holds the PSID right-aligned (`psid` is `v`), so arithmetic on port
/// sets never has to think about the wire encoding; ``init(wireValue:)`` and
/// ``write(to:)`` convert. Example: offset 6, length 4, PSID 8 is `06 04 80 00`.
public struct PortParams: Hashable, Sendable, CustomStringConvertible {
    /// DHCPv4 option code of OPTION_V4_PORTPARAMS.
    public static let optionCode: UInt8 = 159

    /// PSID offset `a` (RFC 7597 section 5.1): 0...15.
    public let offset: UInt8
    /// PSID length `k`: 0...16, with offset + k <= 16. 0 means the whole address.
    public let psidLength: UInt8
    /// The PSID value, right-aligned: 0 ..< 2^psidLength.
    public let psid: UInt16

    /// Validates and creates port parameters from right-aligned values.
    public init(offset: UInt8, psidLength: UInt8, psid: UInt16) throws(PortParamsError) {
        try Self.validate(offset: offset, psidLength: psidLength)
        guard psidLength == 16 || UInt32(psid) < (1 as UInt32) << psidLength else {
            throw .psidTooLarge(psid: psid, psidLength: psidLength)
        }
        self.offset = offset
        self.psidLength = psidLength
        self.psid = psid
    }

    /// Decodes the option's 4-byte value, validating every field.
    public init(wireValue bytes: UnsafeRawBufferPointer) throws(PortParamsError) {
        guard bytes.count == 4 else { throw .badLength(bytes.count) }
        let offset = bytes.readUInt8(at: 0)
        let psidLength = bytes.readUInt8(at: 1)
        let field = bytes.readUInt16(at: 2)
        try Self.validate(offset: offset, psidLength: psidLength)
        let shift = 16 - Int(psidLength)
        guard shift == 16 ? field == 0 : field & ((1 << shift) - 1) == 0 else {
            throw .psidBitsBeyondLength(field: field, psidLength: psidLength)
        }
        self.offset = offset
        self.psidLength = psidLength
        psid = shift == 16 ? 0 : field >> shift
    }

    @inline(__always)
    private static func validate(offset: UInt8, psidLength: UInt8) throws(PortParamsError) {
        guard offset <= 15 else { throw .offsetTooLarge(offset) }
        guard psidLength <= 16 else { throw .psidLengthTooLarge(psidLength) }
        guard Int(offset) + Int(psidLength) <= 16 else {
            throw .offsetPlusLengthTooLarge(offset: offset, psidLength: psidLength)
        }
    }

    private static func leftAligned(_ psid: UInt16, _ psidLength: UInt8) -> UInt16 {
        psidLength == 0 ? 0 : psid << (16 - UInt16(psidLength))
    }

    /// The PSID as it travels: left-aligned in 16 bits.
    public var wirePSID: UInt16 { Self.leftAligned(psid, psidLength) }

    /// Writes the whole option (code 159, length 4, value) with one bounds check
    /// and two stores: every OFFER and ACK of a shared pool carries it.
    public func write(to writer: inout ByteWriter) throws(WireError) {
        let at = try writer.claim(6)
        let head = UInt32(Self.optionCode) << 24 | 4 << 16 | UInt32(offset) << 8 | UInt32(psidLength)
        writer.buffer.storeBytes(of: head.bigEndian, toByteOffset: at, as: UInt32.self)
        writer.buffer.storeBytes(of: wirePSID.bigEndian, toByteOffset: at + 4, as: UInt16.self)
    }

    public var description: String {
        "offset \(offset) psid-len \(psidLength) psid \(psid)"
    }
}
