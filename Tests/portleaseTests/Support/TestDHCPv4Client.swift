import PortLeaseWire

/// A DHCPv4 client identity and the messages it sends, for the tests that lease from a real
/// Kea (as a relay agent would forward them) and renew at `portlease serve` (inside a
/// DHCPV4-QUERY): the same identity on both sides, as a CPE keeps it across the migration.
struct TestDHCPv4Client {
    /// Option 61, or nil: then the client is known by hardware type 1 and ``hardwareAddress``.
    var clientIdentifier: [UInt8]?
    /// The 6-byte Ethernet address in chaddr.
    var hardwareAddress: [UInt8]
    var xid: UInt32

    /// The key `portlease leases` prints for this client: `id:...` or `hw:01:...`.
    var printedKey: String {
        if let clientIdentifier { return "id:" + HexBytes.text(clientIdentifier) }
        return "hw:" + HexBytes.text([1] + hardwareAddress)
    }

    /// A message of `type`; `giaddr` set makes it a relayed one (hops 1).
    func message(
        _ type: DHCPv4MessageType, ciaddr: IPv4Address = .zero, requested: IPv4Address? = nil,
        serverIdentifier: [UInt8]? = nil, giaddr: IPv4Address = .zero
    ) -> DHCPv4Message {
        var options: [DHCPv4Message.Option] = [
            .init(.messageType, [type.rawValue]), .init(.parameterRequestList, [1, 3, 6]),
        ]
        if let clientIdentifier { options.append(.init(.clientIdentifier, clientIdentifier)) }
        if let requested { options.append(.init(.requestedAddress, requested.bytes)) }
        if let serverIdentifier { options.append(.init(.serverIdentifier, serverIdentifier)) }
        return DHCPv4Message(
            header: DHCPv4Header(
                op: DHCPv4Header.bootRequest, hops: giaddr == .zero ? 0 : 1, xid: xid, ciaddr: ciaddr,
                giaddr: giaddr, chaddr: ClientHardwareAddress(bytes: hardwareAddress)),
            options: options)
    }

    /// DISCOVER, OFFER, REQUEST, ACK through `exchange` (bytes out, the answer's bytes back):
    /// the address acknowledged, or nil when an answer is missing or is not an ACK.
    func dora(giaddr: IPv4Address, exchange: ([UInt8]) throws -> [UInt8]?) throws -> IPv4Address? {
        guard let offerBytes = try exchange(message(.discover, giaddr: giaddr).encoded()) else { return nil }
        let offer = try DHCPv4Message(decoding: offerBytes)
        guard offer.messageType == .offer else { return nil }
        let request = message(
            .request, requested: offer.header.yiaddr, serverIdentifier: offer.option(.serverIdentifier),
            giaddr: giaddr)
        guard let ackBytes = try exchange(request.encoded()) else { return nil }
        let ack = try DHCPv4Message(decoding: ackBytes)
        return ack.messageType == .ack ? ack.header.yiaddr : nil
    }

    /// A REQUEST in RENEWING state for `address` (ciaddr, no options 50 and 54) as a 4o6
    /// client sends it: in a DHCPV4-QUERY with the U flag (it would have been unicast).
    /// Returns the answer's type and yiaddr, nil when none came.
    func renew4o6(_ address: IPv4Address, probe: UDPProbe, server: String, port: UInt16) throws -> (
        type: DHCPv4MessageType?, address: IPv4Address
    )? {
        let query = DHCPv6Message(
            type: .dhcpv4Query, transactionID: DHCPv4QueryView.unicastFlag,
            options: [.init(.dhcpv4Message, message(.request, ciaddr: address).encoded())])
        guard let answer = try probe.exchange(query.encoded(), to: server, port: port) else { return nil }
        let reply = try answer.withUnsafeBytes { raw in
            let response = try DHCPv4QueryView(try DHCPv6Packet(parsing: raw).message, type: .dhcpv4Response)
            return DHCPv4Message(try DHCPv4MessageView(parsing: response.dhcpv4Message))
        }
        return (reply.messageType, reply.header.yiaddr)
    }
}
