import PortLeaseWire

/// A simulated CPE for seeds: the datagrams a DHCPv4-over-DHCPv6 client sends in each
/// RFC 2131 state, built with PortLeaseWire's owned messages (`DHCPv4Message`,
/// `DHCPv6Message`, `RelayMessage`) as the wire test vectors lay them out: option 61
/// (RFC 4361 DUID-LL), option 55 listing 159 unless a full-address client, option 159
/// hints and port sets, zero, one or two Relay-forward levels, and optionally a relay
/// that also adds a Remote-ID, a Subscriber-ID and a Relay Source Port (RFC 8357).
public struct SeedClient {
    /// The link-address of the relay closest to the clients (a pool may match on it).
    public static let clientLink = IPv6Address(high: 0x2001_0DB8_FFFF_0001, low: 1)
    /// The second relay's link-address, and the first relay's address it hears from.
    static let outerLink = IPv6Address(high: 0x2001_0DB8_FFFF_0002, low: 1)
    static let innerRelay = IPv6Address(high: 0x2001_0DB8_FFFF_0002, low: 2)

    public let index: Int
    /// Relay-forward levels (0, 1 or 2) when ``remoteID`` is nil.
    public var relays: Int
    /// A full-address client: no option 159 in option 55, none sent.
    public var full: Bool
    public var psidLengthHint: UInt8?
    /// When set, one relay level with this Remote-ID (enterprise number included).
    public var remoteID: [UInt8]?
    /// The Subscriber-ID that relay adds (default `sub-<index>`).
    public var subscriberID: [UInt8]?
    /// Whether option 61 is sent; without it the server keys the client on its chaddr.
    public var sendsClientIdentifier = true
    /// What the client believes it holds, from the last OFFER or ACK.
    public var address: IPv4Address?
    public var portParams: PortParams?
    private var sequence: UInt8 = 0

    public init(
        _ index: Int, relays: Int = 1, full: Bool = false, psidLengthHint: UInt8? = nil, remoteID: [UInt8]? = nil
    ) {
        precondition((0..<(1 << 16)).contains(index), "a seed client index is 16 bits")
        self.index = index
        self.relays = relays
        self.full = full
        self.psidLengthHint = psidLengthHint
        self.remoteID = remoteID
    }

    /// The MAC `02:50:4c:00:ii:ii`.
    var mac: [UInt8] { [0x02, 0x50, 0x4C, 0, UInt8(index >> 8), UInt8(index & 0xFF)] }
    /// The CPE's IPv6 address, `2001:db8:0:iiii::1`: a /64 of its own, a /60 per sixteen clients.
    public var ipv6Address: IPv6Address { IPv6Address(high: 0x2001_0DB8_0000_0000 | UInt64(index), low: 1) }
    /// DUID-LL of ``mac``.
    var duid: [UInt8] { [0, 3, 0, 1] + mac }

    /// A DHCPV4-QUERY carrying a DHCPv4 message of `type`; `unicast` sets the U flag.
    public mutating func query(
        _ type: DHCPv4MessageType, ciaddr: IPv4Address = .zero, requested: IPv4Address? = nil,
        server: IPv4Address? = nil, portParams: PortParams? = nil, unicast: Bool = false
    ) -> [UInt8] {
        sequence &+= 1
        var options: [DHCPv4Message.Option] = [.init(.messageType, [type.rawValue])]
        if sendsClientIdentifier { options.append(.init(.clientIdentifier, [0xFF, 0, 0, 0, 1] + duid)) }
        if type != .release {
            options.append(.init(.parameterRequestList, full ? [1, 3, 6, 15, 26] : [1, 3, 6, 15, 26, 159]))
        }
        if let requested { options.append(.init(.requestedAddress, requested.bytes)) }
        if let server { options.append(.init(.serverIdentifier, server.bytes)) }
        let hint =
            type == .discover ? psidLengthHint.flatMap { try? PortParams(offset: 0, psidLength: $0, psid: 0) } : nil
        if !full, let params = portParams ?? hint {
            options.append(
                .init(
                    .portParams,
                    [params.offset, params.psidLength, UInt8(params.wirePSID >> 8), UInt8(params.wirePSID & 0xFF)]))
        }
        let message = DHCPv4Message(
            header: DHCPv4Header(
                op: DHCPv4Header.bootRequest, xid: UInt32(index) << 8 | UInt32(sequence), ciaddr: ciaddr,
                chaddr: ClientHardwareAddress(bytes: mac)),
            options: options)
        let flags = unicast ? DHCPv4QueryView.unicastFlag : 0
        return relayed(
            DHCPv6Message(type: .dhcpv4Query, transactionID: flags, options: [.init(.dhcpv4Message, message.encoded())])
                .encoded())
    }

    /// An Information-Request asking for option 88.
    public mutating func informationRequest() -> [UInt8] {
        sequence &+= 1
        let message = DHCPv6Message(
            type: .informationRequest, transactionID: UInt32(index) << 8 | UInt32(sequence),
            options: [.init(.clientIdentifier, duid), .init(.optionRequest, [0, 88])])
        return relayed(message.encoded())
    }

    /// `message` inside the client's relay levels.
    private func relayed(_ message: [UInt8]) -> [UInt8] {
        if let remoteID {
            return RelayMessage(
                type: .relayForward, hopCount: 0, linkAddress: Self.clientLink, peerAddress: ipv6Address,
                options: [
                    .init(.interfaceID, Array("ge-0/0/1".utf8)), .init(.remoteID, remoteID),
                    .init(.subscriberID, subscriberID ?? Array("sub-\(index)".utf8)),
                    .init(.relaySourcePort, [2, 0x22]),
                    .init(.relayMessage, message),
                ]
            ).encoded()
        }
        var bytes = message
        if relays >= 1 {
            bytes = RelayMessage(
                type: .relayForward, hopCount: 0, linkAddress: Self.clientLink, peerAddress: ipv6Address,
                options: [.init(.interfaceID, Array("perf".utf8)), .init(.relayMessage, bytes)]
            ).encoded()
        }
        if relays >= 2 {
            bytes = RelayMessage(
                type: .relayForward, hopCount: 1, linkAddress: Self.outerLink, peerAddress: Self.innerRelay,
                options: [.init(.relayMessage, bytes)]
            ).encoded()
        }
        return bytes
    }

    public mutating func discover(requesting address: IPv4Address? = nil) -> [UInt8] {
        query(.discover, requested: address)
    }

    /// SELECTING: takes up the offer remembered in ``address`` and ``portParams``.
    public mutating func select(server: IPv4Address) -> [UInt8] {
        query(.request, requested: address, server: server, portParams: portParams)
    }

    /// RENEWING (unicast, U flag set) or REBINDING (broadcast).
    public mutating func renew(unicast: Bool = true) -> [UInt8] {
        query(.request, ciaddr: address ?? .zero, portParams: portParams, unicast: unicast)
    }

    /// INIT-REBOOT: the remembered address in option 50, no ciaddr.
    public mutating func reboot() -> [UInt8] {
        query(.request, requested: address, portParams: portParams)
    }

    public mutating func release() -> [UInt8] {
        query(.release, ciaddr: address ?? .zero, portParams: portParams, unicast: true)
    }

    public mutating func decline() -> [UInt8] {
        query(.decline, requested: address, portParams: portParams)
    }

    public mutating func inform() -> [UInt8] {
        query(.inform, ciaddr: address ?? .zero, unicast: true)
    }

    /// Remembers what an OFFER or ACK gave.
    public mutating func learn(_ reply: ParsedReply?) {
        guard let dhcpv4 = reply?.dhcpv4, dhcpv4.type == .offer || dhcpv4.type == .ack, dhcpv4.yiaddr != .zero else {
            return
        }
        address = dhcpv4.yiaddr
        portParams = dhcpv4.portParams
    }
}
