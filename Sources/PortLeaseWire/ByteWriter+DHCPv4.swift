/// DHCPv4 (BOOTP) encoding: the fixed header, options and the end option.
///
/// An option value longer than 255 bytes is split into consecutive options of the
/// same code (RFC 3396), which receivers concatenate.
extension ByteWriter {
    /// Writes the 236-byte header and the magic cookie. `sname` (64) and `file`
    /// (128) are zero-filled, or hold the given bytes padded with zeros.
    public mutating func writeDHCPv4Header(
        _ header: DHCPv4Header, sname: UnsafeRawBufferPointer? = nil, file: UnsafeRawBufferPointer? = nil
    ) throws(WireError) {
        let start = try claim(DHCPv4Header.size + 4)
        position = start
        try write(header.op)
        try write(header.htype)
        try write(header.hlen)
        try write(header.hops)
        try write(header.xid)
        try write(header.secs)
        try write(header.flags)
        try write(header.ciaddr)
        try write(header.yiaddr)
        try write(header.siaddr)
        try write(header.giaddr)
        let chaddrAt = try claim(16)
        buffer.storeBytes(of: header.chaddr.high.bigEndian, toByteOffset: chaddrAt, as: UInt64.self)
        buffer.storeBytes(of: header.chaddr.low.bigEndian, toByteOffset: chaddrAt + 8, as: UInt64.self)
        try writeField(sname, size: 64)
        try writeField(file, size: 128)
        try write(DHCPv4Header.magicCookie)
    }

    private mutating func writeField(_ bytes: UnsafeRawBufferPointer?, size: Int) throws(WireError) {
        let used = min(bytes?.count ?? 0, size)
        if let bytes, used > 0 { try write(bytes: UnsafeRawBufferPointer(rebasing: bytes[0..<used])) }
        try writeZeros(size - used)
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
