/// DHCPv6, relay and DHCPv4-over-DHCPv6 encoding.
///
/// Nested structures are written outside-in in one pass: an option's length is
/// reserved, its body written by a closure, then the length patched. The closures
/// are non-escaping, so none of this allocates.
extension ByteWriter {
    /// Writes a client/server message header: type and 24-bit transaction id (or 4o6 flags).
    public mutating func writeDHCPv6Header(type: DHCPv6MessageType, transactionID: UInt32) throws(WireError) {
        try write(type.rawValue)
        try writeUInt24(transactionID)
    }

    /// Writes a relay message header (RFC 8415 section 9).
    public mutating func writeRelayHeader(
        type: DHCPv6MessageType, hopCount: UInt8, linkAddress: IPv6Address, peerAddress: IPv6Address
    ) throws(WireError) {
        try write(type.rawValue)
        try write(hopCount)
        try write(linkAddress)
        try write(peerAddress)
    }

    /// Writes one DHCPv6 option with the given value (one bounds check: the
    /// Relay-reply's Interface-ID is written this way for every reply).
    public mutating func writeDHCPv6Option(_ code: DHCPv6OptionCode, bytes: UnsafeRawBufferPointer) throws(WireError) {
        guard bytes.count <= Int(UInt16.max) else {
            throw .badOptionLength(layer: .dhcpv6, code: code.rawValue, length: bytes.count)
        }
        let at = try claim(4 + bytes.count)
        let head = UInt32(code.rawValue) << 16 | UInt32(bytes.count)
        buffer.storeBytes(of: head.bigEndian, toByteOffset: at, as: UInt32.self)
        if let base = bytes.baseAddress {
            (buffer.baseAddress! + at + 4).copyMemory(from: base, byteCount: bytes.count)
        }
    }

    /// Writes one DHCPv6 option with the given value.
    public mutating func writeDHCPv6Option(_ code: DHCPv6OptionCode, bytes: [UInt8]) throws(WireError) {
        guard bytes.count <= Int(UInt16.max) else {
            throw .badOptionLength(layer: .dhcpv6, code: code.rawValue, length: bytes.count)
        }
        try write(code.rawValue)
        try write(UInt16(bytes.count))
        try write(bytes: bytes)
    }

    /// Writes one DHCPv6 option whose value `body` writes; the length is patched afterwards.
    public mutating func writeDHCPv6Option(
        _ code: DHCPv6OptionCode, body: (inout ByteWriter) throws(WireError) -> Void
    ) throws(WireError) {
        try write(code.rawValue)
        let lengthAt = try reserveUInt16()
        let start = position
        try body(&self)
        let length = position - start
        guard length <= Int(UInt16.max) else {
            throw .badOptionLength(layer: .dhcpv6, code: code.rawValue, length: length)
        }
        patchUInt16(UInt16(length), at: lengthAt)
    }

    /// Writes the Relay-reply chain that answers a query received through `chain`:
    /// one Relay-reply per level, outermost first, each with the level's hop-count,
    /// link-address and peer-address, its Interface-ID echoed (RFC 8415 section
    /// 19.3), and the next level (or, innermost, what `body` writes) in option 9.
    /// With an empty chain only `body` is written.
    public mutating func writeRelayReplies(
        mirroring chain: RelayChain, body: (inout ByteWriter) throws(WireError) -> Void
    ) throws(WireError) {
        var lengthOffsets = InlineArray<8, Int>(repeating: 0)
        for index in 0..<chain.depth {
            // A level's header, Interface-ID and option 9's code and length in one
            // claim. The Relay-forward's hop-count, link-address and peer-address
            // are the Relay-reply's: copied in one block after the type. (An
            // Interface-ID read from an option always fits an option.)
            let level = chain.bytes(ofLevel: index)
            let interfaceID = chain.interfaceID(ofLevel: index)
            let interfaceIDSize = interfaceID.map { 4 + $0.count } ?? 0
            let at = try claim(RelayMessageView.headerSize + interfaceIDSize + 4)
            let out = buffer.baseAddress! + at
            out.storeBytes(of: DHCPv6MessageType.relayReply.rawValue, as: UInt8.self)
            (out + 1).copyMemory(from: level.baseAddress! + 1, byteCount: RelayMessageView.headerSize - 1)
            if let interfaceID {
                let head = UInt32(DHCPv6OptionCode.interfaceID.rawValue) << 16 | UInt32(interfaceID.count)
                out.storeBytes(of: head.bigEndian, toByteOffset: RelayMessageView.headerSize, as: UInt32.self)
                if let value = interfaceID.baseAddress {
                    (out + RelayMessageView.headerSize + 4).copyMemory(from: value, byteCount: interfaceID.count)
                }
            }
            let relayMessageAt = at + RelayMessageView.headerSize + interfaceIDSize
            buffer.storeBytes(
                of: DHCPv6OptionCode.relayMessage.rawValue.bigEndian, toByteOffset: relayMessageAt, as: UInt16.self)
            lengthOffsets[index] = relayMessageAt + 2
        }
        try body(&self)
        for index in stride(from: chain.depth - 1, through: 0, by: -1) {
            let length = position - (lengthOffsets[index] + 2)
            guard length <= Int(UInt16.max) else {
                throw .badOptionLength(layer: .relay, code: DHCPv6OptionCode.relayMessage.rawValue, length: length)
            }
            patchUInt16(UInt16(length), at: lengthOffsets[index])
        }
    }

    /// Writes a DHCPV4-RESPONSE (flags zero, RFC 7341 section 6) whose option 87
    /// holds the DHCPv4 message `body` writes.
    public mutating func writeDHCPv4Response(body: (inout ByteWriter) throws(WireError) -> Void) throws(WireError) {
        // Type, zero flags and option 87's code as one store; the length is patched.
        let at = try claim(8)
        let type = UInt64(DHCPv6MessageType.dhcpv4Response.rawValue)
        let head = type << 56 | UInt64(DHCPv6OptionCode.dhcpv4Message.rawValue) << 16
        buffer.storeBytes(of: head.bigEndian, toByteOffset: at, as: UInt64.self)
        try body(&self)
        let length = position - (at + 8)
        guard length <= Int(UInt16.max) else {
            throw .badOptionLength(layer: .dhcpv6, code: DHCPv6OptionCode.dhcpv4Message.rawValue, length: length)
        }
        patchUInt16(UInt16(length), at: at + 6)
    }

    /// Writes a DHCPV4-QUERY with `flags` (``DHCPv4QueryView/unicastFlag`` or 0)
    /// whose option 87 holds the DHCPv4 message `body` writes (client side).
    public mutating func writeDHCPv4Query(
        flags: UInt32, body: (inout ByteWriter) throws(WireError) -> Void
    ) throws(WireError) {
        try writeDHCPv6Header(type: .dhcpv4Query, transactionID: flags & 0xFF_FFFF)
        try writeDHCPv6Option(.dhcpv4Message, body: body)
    }

    /// Writes option 88 listing `addresses` (an empty list is valid: it sends the
    /// client to the multicast address).
    public mutating func writeDHCP4o6ServerAddresses(_ addresses: [IPv6Address]) throws(WireError) {
        try writeDHCPv6Option(.dhcp4o6ServerAddresses) { (writer) throws(WireError) in
            for address in addresses { try writer.write(address) }
        }
    }

    /// Writes the Reply to an Information-Request (RFC 7341 section 5, RFC 8415
    /// section 18.3.6): same transaction id, the server's DUID (option 2), the
    /// client's identifier echoed when it sent one (option 1), and option 88.
    public mutating func writeInformationReply(
        transactionID: UInt32,
        serverDUID: UnsafeRawBufferPointer,
        clientIdentifier: UnsafeRawBufferPointer?,
        serverAddresses: [IPv6Address]
    ) throws(WireError) {
        try writeDHCPv6Header(type: .reply, transactionID: transactionID)
        if let clientIdentifier { try writeDHCPv6Option(.clientIdentifier, bytes: clientIdentifier) }
        try writeDHCPv6Option(.serverIdentifier, bytes: serverDUID)
        try writeDHCP4o6ServerAddresses(serverAddresses)
    }
}
