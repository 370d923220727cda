import PortLeaseWire

/// One relayed DHCPV4-QUERY datagram, built once and then rewritten in place for
/// each simulated client: the per-client fields (client identifier, Remote-ID,
/// peer-address, requested address, ciaddr, option 159) are patched at offsets
/// found when the template is built, so a benchmark iteration costs a few stores
/// and no allocation.
final class DatagramTemplate {
    /// The datagram, in a buffer of its own that lives as long as the template.
    let bytes: UnsafeMutableRawBufferPointer
    private let clientNumberOffsets: [Int]
    private let requestedAddressOffset: Int?
    private let portParamsOffset: Int?
    private let ciaddrOffset: Int?

    /// Marker values, unlikely elsewhere in a datagram, that locate the patched fields.
    private static let numberMarker: UInt32 = 0xA1B2_C3D4
    private static let addressMarker = IPv4Address(0xE1E2_E3E4)
    private static let ciaddrMarker = IPv4Address(0xF1F2_F3F4)
    private static let portParamsMarker: [UInt8] = [0xD1, 0xD2, 0xD3, 0xD4]

    /// A template for a `type` message; `requested` adds option 50 and 54 (SELECTING),
    /// `renewing` sets ciaddr and the U flag, `portParams` adds option 159.
    init(_ type: DHCPv4MessageType, selecting: Bool = false, renewing: Bool = false, portParams: Bool = true) {
        let number = Self.numberMarker
        let numberBytes = [
            UInt8(number >> 24), UInt8(number >> 16 & 0xFF), UInt8(number >> 8 & 0xFF), UInt8(number & 0xFF),
        ]
        let mac: [UInt8] = [0x02, 0x00, 0x5E, 0x10, 0x20, 0x30]
        var options: [DHCPv4Message.Option] = [
            .init(.messageType, [type.rawValue]),
            .init(.clientIdentifier, [0xFF, 0, 0, 0, 1, 0, 3, 0, 1, 0x02, 0x00] + numberBytes),
            .init(.parameterRequestList, [1, 3, 6, 15, 26, 159]),
        ]
        if selecting {
            options.append(.init(.requestedAddress, Self.bytes(of: Self.addressMarker)))
            options.append(.init(.serverIdentifier, Self.bytes(of: LeaseEngineFixture.serverIdentifier)))
        }
        if portParams { options.append(.init(.portParams, Self.portParamsMarker)) }
        let message = DHCPv4Message(
            header: DHCPv4Header(
                op: DHCPv4Header.bootRequest, xid: 0x1234_5678, ciaddr: renewing ? Self.ciaddrMarker : .zero,
                chaddr: ClientHardwareAddress(bytes: mac)),
            options: options)
        let query = DHCPv6Message(
            type: .dhcpv4Query, transactionID: renewing ? DHCPv4QueryView.unicastFlag : 0,
            options: [.init(.dhcpv4Message, message.encoded())])
        let relay = RelayMessage(
            type: .relayForward, hopCount: 0,
            linkAddress: IPv6Address("2001:db8:100::1")!,
            peerAddress: IPv6Address(high: 0x2001_0DB8_0100_0005, low: UInt64(number)),
            options: [
                .init(.interfaceID, Array("ge-0/0/1.100".utf8)),
                .init(.remoteID, [0, 0, 0x0D, 0xE9] + Array("cpe-".utf8) + numberBytes),
                .init(.relayMessage, query.encoded()),
            ])
        let encoded = relay.encoded()
        bytes = .allocate(byteCount: encoded.count, alignment: 16)
        bytes.copyBytes(from: encoded)
        clientNumberOffsets = Self.offsets(of: numberBytes, in: encoded)
        precondition(clientNumberOffsets.count == 3, "client id, Remote-ID and peer-address each hold the number")
        requestedAddressOffset =
            selecting ? Self.offsets(of: Self.bytes(of: Self.addressMarker), in: encoded).first : nil
        portParamsOffset = portParams ? Self.offsets(of: Self.portParamsMarker, in: encoded).first : nil
        ciaddrOffset = renewing ? Self.offsets(of: Self.bytes(of: Self.ciaddrMarker), in: encoded).first : nil
    }

    deinit { bytes.deallocate() }

    var datagram: UnsafeRawBufferPointer { UnsafeRawBufferPointer(bytes) }

    /// Makes the datagram come from client `number` (its identifier, Remote-ID and address).
    func setClient(_ number: UInt32) {
        for offset in clientNumberOffsets {
            bytes.storeBytes(of: number.bigEndian, toByteOffset: offset, as: UInt32.self)
        }
    }

    /// Sets option 50 (SELECTING) or ciaddr (RENEWING) and option 159 to `address` and `params`.
    func setBinding(_ address: IPv4Address, _ params: PortParams?) {
        if let offset = requestedAddressOffset ?? ciaddrOffset {
            bytes.storeBytes(of: address.value.bigEndian, toByteOffset: offset, as: UInt32.self)
        }
        if let offset = portParamsOffset, let params {
            bytes[offset] = params.offset
            bytes[offset + 1] = params.psidLength
            bytes.storeBytes(of: params.wirePSID.bigEndian, toByteOffset: offset + 2, as: UInt16.self)
        }
    }

    private static func bytes(of address: IPv4Address) -> [UInt8] {
        let value = address.value
        return [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    private static func offsets(of pattern: [UInt8], in bytes: [UInt8]) -> [Int] {
        guard bytes.count >= pattern.count else { return [] }
        return (0...(bytes.count - pattern.count)).filter { bytes[$0..<($0 + pattern.count)].elementsEqual(pattern) }
    }
}
