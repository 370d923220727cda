import PortLeasePerfCore
import PortLeaseWire
import Testing

struct QueryBuilderTests {
    @Test func discoverParsesBackWithIdentityListAndHint() throws {
        let builder = QueryBuilder(psidLengthHint: 8)
        let identity = SubscriberIdentity(0x12_3456)
        let bytes = builder.bytes(
            .init(type: .discover), subscriber: identity, transactionID: identity.transactionID(sequence: 7))
        let query = try FakeServer.decode(bytes)
        #expect(query.relays.isEmpty)
        #expect(query.flags == 0)
        let message = try #require(query.dhcpv4)
        #expect(message.messageType == .discover)
        #expect(message.header.op == DHCPv4Header.bootRequest)
        #expect(message.header.xid == 0x1234_5607)
        #expect(SubscriberIdentity.decode(transactionID: message.header.xid) == (0x12_3456, 7))
        #expect(message.header.chaddr == identity.hardwareAddress)
        #expect(message.header.chaddr.text(count: 6) == "02:50:4c:12:34:56")
        #expect(
            message.option(.clientIdentifier) == [0xFF, 0, 0, 0, 1, 0, 3, 0, 1, 0x02, 0x50, 0x4C, 0x12, 0x34, 0x56])
        #expect(message.option(.parameterRequestList) == [1, 3, 6, 15, 26, 159])
        #expect(message.option(.portParams) == [0, 8, 0, 0])
    }

    @Test func fullClientsNeitherListNorSendOption159() throws {
        let builder = QueryBuilder(full: true, psidLengthHint: 8)
        let params = try PortParams(offset: 6, psidLength: 6, psid: 5)
        for spec in [DHCPv4QuerySpec(type: .discover), DHCPv4QuerySpec(type: .request, portParams: params)] {
            let bytes = builder.bytes(spec, subscriber: SubscriberIdentity(1), transactionID: 256)
            let message = try #require(try FakeServer.decode(bytes).dhcpv4)
            #expect(message.option(.parameterRequestList) == [1, 3, 6, 15, 26])
            #expect(message.option(.portParams) == nil)
        }
    }

    @Test func renewingRequestHasCiaddrOption159AndTheUnicastFlag() throws {
        let builder = QueryBuilder()
        let params = try PortParams(offset: 6, psidLength: 6, psid: 5)
        let spec = DHCPv4QuerySpec(
            type: .request, ciaddr: IPv4Address(198, 51, 100, 7), portParams: params, unicast: true)
        let query = try FakeServer.decode(builder.bytes(spec, subscriber: SubscriberIdentity(3), transactionID: 3 << 8))
        #expect(query.flags == DHCPv4QueryView.unicastFlag)
        let message = try #require(query.dhcpv4)
        #expect(message.header.ciaddr == IPv4Address(198, 51, 100, 7))
        #expect(message.option(.requestedAddress) == nil)
        #expect(message.option(.portParams) == [6, 6, 0x14, 0])
    }

    @Test(arguments: [1, 2]) func relayedQueriesCarryTheSubscriberAsInnermostPeer(relays: Int) throws {
        let builder = QueryBuilder(relays: relays)
        let identity = SubscriberIdentity(42)
        let spec = DHCPv4QuerySpec(
            type: .request, requestedAddress: IPv4Address(203, 0, 113, 9), serverIdentifier: IPv4Address(192, 0, 2, 1))
        let bytes = builder.bytes(spec, subscriber: identity, transactionID: 42 << 8)
        let query = try FakeServer.decode(bytes)
        #expect(query.relays.count == relays)
        #expect(query.relays.last?.peerAddress == identity.ipv6Address)
        #expect(query.relays.last?.hopCount == 0)
        #expect(query.relays.first?.hopCount == UInt8(relays - 1))
        let message = try #require(query.dhcpv4)
        #expect(message.option(.requestedAddress) == [203, 0, 113, 9])
        #expect(message.option(.serverIdentifier) == [192, 0, 2, 1])
        // The server's own parser accepts it as a relayed DHCPV4-QUERY.
        try bytes.withUnsafeBytes { raw in
            let packet = try DHCPv6Packet(parsing: raw)
            #expect(packet.relays.depth == relays)
            _ = try DHCPv4QueryView(packet.message)
        }
    }

    @Test func informationRequestAsksForOption88() throws {
        let builder = QueryBuilder(relays: 1)
        let bytes = withExtendedLifetime(builder) {
            Array(builder.informationRequest(subscriber: SubscriberIdentity(9), transactionID: 9))
        }
        try bytes.withUnsafeBytes { raw in
            let packet = try DHCPv6Packet(parsing: raw)
            #expect(packet.message.type == .informationRequest)
            #expect(packet.message.transactionID == 9)
            #expect(packet.message.options.first(.optionRequest).map(Array.init) == [0, 88])
            #expect(
                packet.message.options.first(.clientIdentifier).map(Array.init) == [0, 3, 0, 1, 2, 0x50, 0x4C, 0, 0, 9])
        }
    }

    @Test func identitiesAreDistinct() {
        let a = SubscriberIdentity(1)
        let b = SubscriberIdentity(2)
        #expect(a.hardwareAddress != b.hardwareAddress)
        #expect(a.ipv6Address != b.ipv6Address)
        #expect(a.ipv6Address.description == "2001:db8:0:1::1")
    }
}
