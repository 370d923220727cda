import PortLeaseWire

/// The DHCPv4 message a query carries: its type and the fields that vary by client state.
public struct DHCPv4QuerySpec: Sendable {
    public var type: DHCPv4MessageType
    public var ciaddr: IPv4Address = .zero
    /// Option 50.
    public var requestedAddress: IPv4Address?
    /// Option 54.
    public var serverIdentifier: IPv4Address?
    /// Option 159 to send: the port set offered or held (or nil to send the hint, if any).
    public var portParams: PortParams?
    /// The RFC 7341 U flag (RENEWING requests go unicast to the server).
    public var unicast = false

    public init(
        type: DHCPv4MessageType, ciaddr: IPv4Address = .zero, requestedAddress: IPv4Address? = nil,
        serverIdentifier: IPv4Address? = nil, portParams: PortParams? = nil, unicast: Bool = false
    ) {
        self.type = type
        self.ciaddr = ciaddr
        self.requestedAddress = requestedAddress
        self.serverIdentifier = serverIdentifier
        self.portParams = portParams
        self.unicast = unicast
    }
}

/// Writes the generator's queries into one reusable buffer: DHCPV4-QUERY (option 87 holding a
/// DHCPv4 message) or Information-Request, wrapped in zero, one or two Relay-forward levels.
///
/// Every field goes through `PortLeaseWire`'s `ByteWriter`; the buffer is allocated once, so
/// building a query allocates nothing. The bytes returned are valid until the next build.
public final class QueryBuilder {
    /// The relay levels around each query (0, 1 or 2).
    public let relays: Int
    /// Full-address clients: option 159 is not listed in option 55 and never sent.
    public let full: Bool
    /// The PSID length hinted in option 159 of DISCOVERs (nil: no hint).
    public let psidLengthHint: UInt8?

    /// The link-address of the relay closest to the clients.
    public static let clientLink = IPv6Address(high: 0x2001_0DB8_FFFF_0001, low: 1)
    /// The link-address and address of the second relay (the one the server hears from).
    public static let outerLink = IPv6Address(high: 0x2001_0DB8_FFFF_0002, low: 1)
    public static let innerRelay = IPv6Address(high: 0x2001_0DB8_FFFF_0002, low: 2)

    /// The hint as option 159 carries it: offset 0, PSID-len K, PSID 0 (RFC 7618 section 6).
    private let hint: PortParams?
    private let buffer: UnsafeMutableRawBufferPointer
    private let scratch: UnsafeMutableRawBufferPointer

    public init(relays: Int = 0, full: Bool = false, psidLengthHint: UInt8? = nil) {
        precondition((0...2).contains(relays), "relays must be 0, 1 or 2")
        precondition((psidLengthHint ?? 0) <= 16, "a PSID length is 0...16")
        self.relays = relays
        self.full = full
        self.psidLengthHint = psidLengthHint
        hint = psidLengthHint.flatMap { try? PortParams(offset: 0, psidLength: $0, psid: 0) }
        buffer = .allocate(byteCount: 1500, alignment: 16)
        scratch = .allocate(byteCount: 32, alignment: 16)
    }

    deinit {
        buffer.deallocate()
        scratch.deallocate()
    }

    /// A DHCPV4-QUERY from `subscriber` carrying `spec`, with xid `transactionID`.
    public func dhcpv4Query(
        _ spec: DHCPv4QuerySpec, subscriber: SubscriberIdentity, transactionID: UInt32
    ) -> UnsafeRawBufferPointer {
        build(subscriber) { (writer) throws(WireError) in
            try writer.writeDHCPv4Query(flags: spec.unicast ? DHCPv4QueryView.unicastFlag : 0) {
                (writer) throws(WireError) in
                try self.writeDHCPv4(spec, subscriber: subscriber, transactionID: transactionID, to: &writer)
            }
        }
    }

    /// An Information-Request from `subscriber` asking for option 88 (ORO), with its client
    /// identifier (DUID-LL) in option 1.
    public func informationRequest(subscriber: SubscriberIdentity, transactionID: UInt32) -> UnsafeRawBufferPointer {
        build(subscriber) { (writer) throws(WireError) in
            try writer.writeDHCPv6Header(type: .informationRequest, transactionID: transactionID & 0xFF_FFFF)
            subscriber.writeClientIdentifier(to: self.scratch.baseAddress!)
            let duid = UnsafeRawBufferPointer(rebasing: self.scratch[5..<SubscriberIdentity.clientIdentifierLength])
            try writer.writeDHCPv6Option(.clientIdentifier, bytes: duid)
            try writer.writeDHCPv6Option(.optionRequest) { (writer) throws(WireError) in
                try writer.write(DHCPv6OptionCode.dhcp4o6ServerAddresses.rawValue)
            }
        }
    }

    /// Writes the relay levels (outermost first), then `body`, then patches the lengths.
    private func build(
        _ subscriber: SubscriberIdentity, body: (inout ByteWriter) throws(WireError) -> Void
    ) -> UnsafeRawBufferPointer {
        var writer = ByteWriter(buffer)
        var lengthOffsets = (0, 0)
        do throws(WireError) {
            if relays == 2 {
                try writer.writeRelayHeader(
                    type: .relayForward, hopCount: 1, linkAddress: Self.outerLink, peerAddress: Self.innerRelay)
                try writer.write(DHCPv6OptionCode.relayMessage.rawValue)
                lengthOffsets.0 = try writer.reserveUInt16()
            }
            if relays >= 1 {
                try writer.writeRelayHeader(
                    type: .relayForward, hopCount: 0, linkAddress: Self.clientLink,
                    peerAddress: subscriber.ipv6Address)
                try writer.writeDHCPv6Option(.interfaceID) { (writer) throws(WireError) in
                    try writer.write(UInt32(0x7065_7266))  // "perf"
                }
                try writer.write(DHCPv6OptionCode.relayMessage.rawValue)
                lengthOffsets.1 = try writer.reserveUInt16()
            }
            try body(&writer)
        } catch {
            preconditionFailure("a query outgrew its 1500-byte buffer: \(error)")
        }
        if relays >= 1 { writer.patchUInt16(UInt16(writer.position - lengthOffsets.1 - 2), at: lengthOffsets.1) }
        if relays == 2 { writer.patchUInt16(UInt16(writer.position - lengthOffsets.0 - 2), at: lengthOffsets.0) }
        return writer.written
    }

    private func writeDHCPv4(
        _ spec: DHCPv4QuerySpec, subscriber: SubscriberIdentity, transactionID: UInt32, to writer: inout ByteWriter
    ) throws(WireError) {
        try writer.writeDHCPv4Header(
            DHCPv4Header(
                op: DHCPv4Header.bootRequest, xid: transactionID, ciaddr: spec.ciaddr,
                chaddr: subscriber.hardwareAddress))
        try writer.writeDHCPv4Option(.messageType, spec.type.rawValue)
        subscriber.writeClientIdentifier(to: scratch.baseAddress!)
        try writer.writeDHCPv4Option(
            .clientIdentifier,
            bytes: UnsafeRawBufferPointer(rebasing: scratch[0..<SubscriberIdentity.clientIdentifierLength]))
        if spec.type != .release {
            let list: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (1, 3, 6, 15, 26, 159)
            var result: Result<Void, WireError> = .success(())
            withUnsafeBytes(of: list) { raw in
                do throws(WireError) {
                    try writer.writeDHCPv4Option(.parameterRequestList, bytes: full ? raw.slice(0, 5) : raw)
                } catch { result = .failure(error) }
            }
            try result.get()
        }
        if let requested = spec.requestedAddress { try writer.writeDHCPv4Option(.requestedAddress, requested) }
        if let server = spec.serverIdentifier { try writer.writeDHCPv4Option(.serverIdentifier, server) }
        if !full {
            if let params = spec.portParams {
                try params.write(to: &writer)
            } else if spec.type == .discover, let hint {
                try hint.write(to: &writer)
            }
        }
        try writer.writeDHCPv4End()
    }
}

extension UnsafeRawBufferPointer {
    fileprivate func slice(_ offset: Int, _ count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: self[offset..<offset + count])
    }
}
