/// DHCPv4 (BOOTP) encoding: the fixed header, options and the end option.
///
/// An option value longer than 255 bytes is split into consecutive options of the
/// same code (RFC 3396), which receivers concatenate.
extension ByteWriter {
    /// Writes the 236-byte header and the magic cookie. `sname` (64) and `file`
    /// (128) are zero-filled, or hold the given bytes padded with zeros.
    ///
    /// One bounds check for all 240 bytes, then whole-field stores and a single
    /// zero fill of `sname` and `file`: every reply starts with this block, and
    /// writing it field by field through the checked writers cost several
    /// hundred instructions per reply.
    public mutating func writeDHCPv4Header(
        _ header: DHCPv4Header, sname: UnsafeRawBufferPointer? = nil, file: UnsafeRawBufferPointer? = nil
    ) throws(WireError) {
        let start = try claim(DHCPv4Header.size + 4)
        let out = buffer.baseAddress! + start
        let first = UInt32(header.op) << 24 | UInt32(header.htype) << 16 | UInt32(header.hlen) << 8
        out.storeBytes(of: (first | UInt32(header.hops)).bigEndian, as: UInt32.self)
        out.storeBytes(of: header.xid.bigEndian, toByteOffset: 4, as: UInt32.self)
        out.storeBytes(of: header.secs.bigEndian, toByteOffset: 8, as: UInt16.self)
        out.storeBytes(of: header.flags.bigEndian, toByteOffset: 10, as: UInt16.self)
        out.storeBytes(of: header.ciaddr.value.bigEndian, toByteOffset: 12, as: UInt32.self)
        out.storeBytes(of: header.yiaddr.value.bigEndian, toByteOffset: 16, as: UInt32.self)
        out.storeBytes(of: header.siaddr.value.bigEndian, toByteOffset: 20, as: UInt32.self)
        out.storeBytes(of: header.giaddr.value.bigEndian, toByteOffset: 24, as: UInt32.self)
        out.storeBytes(of: header.chaddr.high.bigEndian, toByteOffset: 28, as: UInt64.self)
        out.storeBytes(of: header.chaddr.low.bigEndian, toByteOffset: 36, as: UInt64.self)
        // sname (44..<108) and file (108..<236) are adjacent: zeroed together.
        (out + 44).initializeMemory(as: UInt8.self, repeating: 0, count: 64 + 128)
        Self.copyField(sname, to: out + 44, size: 64)
        Self.copyField(file, to: out + 108, size: 128)
        out.storeBytes(of: DHCPv4Header.magicCookie.bigEndian, toByteOffset: DHCPv4Header.size, as: UInt32.self)
    }

    /// Copies the first `size` bytes of `bytes`, if any, over a zeroed field.
    private static func copyField(_ bytes: UnsafeRawBufferPointer?, to field: UnsafeMutableRawPointer, size: Int) {
        guard let bytes, let base = bytes.baseAddress else { return }
        field.copyMemory(from: base, byteCount: min(bytes.count, size))
    }

    /// Writes option `code` with `bytes` as its value (split per RFC 3396 above 255 bytes).
    public mutating func writeDHCPv4Option(_ code: DHCPv4OptionCode, bytes: UnsafeRawBufferPointer) throws(WireError) {
        var offset = 0
        repeat {
            let chunk = min(255, bytes.count - offset)
            try write(code.rawValue)
            try write(UInt8(chunk))
            if chunk > 0 { try write(bytes: bytes.slice(offset, chunk)) }
            offset += chunk
        } while offset < bytes.count
    }

    /// Writes option `code` with `bytes` as its value (split per RFC 3396 above 255 bytes).
    public mutating func writeDHCPv4Option(_ code: DHCPv4OptionCode, bytes: [UInt8]) throws(WireError) {
        var result: Result<Void, WireError> = .success(())
        bytes.withUnsafeBytes { raw in
            do throws(WireError) { try writeDHCPv4Option(code, bytes: raw) } catch { result = .failure(error) }
        }
        try result.get()
    }

    /// Writes a 1-byte option (message type, overload).
    public mutating func writeDHCPv4Option(_ code: DHCPv4OptionCode, _ value: UInt8) throws(WireError) {
        try write(code.rawValue)
        try write(UInt8(1))
        try write(value)
    }

    /// Writes a 2-byte option (interface MTU, maximum message size).
    public mutating func writeDHCPv4Option(_ code: DHCPv4OptionCode, _ value: UInt16) throws(WireError) {
        try write(code.rawValue)
        try write(UInt8(2))
        try write(value)
    }

    /// Writes a 4-byte option (lease time, T1, T2).
    public mutating func writeDHCPv4Option(_ code: DHCPv4OptionCode, _ value: UInt32) throws(WireError) {
        try write(code.rawValue)
        try write(UInt8(4))
        try write(value)
    }

    /// Writes a one-address option (server identifier, requested address, subnet mask).
    public mutating func writeDHCPv4Option(_ code: DHCPv4OptionCode, _ address: IPv4Address) throws(WireError) {
        try writeDHCPv4Option(code, address.value)
    }

    /// Writes an address-list option (routers, DNS servers): at most 63 addresses.
    public mutating func writeDHCPv4Option(
        _ code: DHCPv4OptionCode, addresses: [IPv4Address]
    ) throws(WireError) {
        try write(code.rawValue)
        let lengthAt = try reserveUInt8()
        let start = position
        for address in addresses { try write(address) }
        let length = position - start
        guard length <= 255 else { throw .badOptionLength(layer: .dhcpv4, code: UInt16(code.rawValue), length: length) }
        patchUInt8(UInt8(length), at: lengthAt)
    }

    /// Writes the end option (255) that closes the options.
    public mutating func writeDHCPv4End() throws(WireError) {
        try write(DHCPv4OptionCode.end.rawValue)
    }
}
