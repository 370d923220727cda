import Foundation
import LeaseEngine
import LeaseLog
import Logging
import PortLeaseServer
import PortLeaseTransport
import PortLeaseWire
import Testing

/// The real server over loopback: sockets, io_uring, classifier, shard workers,
/// lease log. Skipped (with the reason) where io_uring is not available.
@Suite(
    .enabled(
        if: IORingSupport.check() == nil, "io_uring is unavailable here: \(IORingSupport.check().map { "\($0)" } ?? "")"
    ))
struct ServerEndToEndTests {
    static func settings(_ directory: String) -> Server.Settings {
        Server.Settings(
            engine: ServerFixtures.engineConfiguration(), listenAddresses: [IPv6Address("::1")!], port: 0,
            dhcp4o6ServerAddresses: [IPv6Address("::1")!], workers: 2, queueDepth: 256,
            leaseLogDirectory: directory, metrics: ("127.0.0.1", 0))
    }

    /// Runs `body` against a server started on a fresh lease-log directory, then stops it.
    static func withServer(_ body: (Server) throws -> Void) throws {
        try withTemporaryDirectory { directory in
            let server = try startServer(directory)
            defer {
                server.stop()
                server.wait()
            }
            try body(server)
        }
    }

    static func startServer(_ directory: String) throws -> Server {
        let server = Server(settings: settings(directory), logger: Logger(label: "e2e"))
        try server.start()
        return server
    }

    /// One exchange: send `datagram`, decode the DHCPv4 reply.
    static func exchange(_ client: UDPTestClient, _ datagram: [UInt8], server: Server) throws -> (
        message: DHCPv4Message, relayDepth: Int
    )? {
        client.send(datagram, toPort: server.port)
        guard let reply = client.receive() else { return nil }
        return try decodeReply(reply)
    }

    static func dora(_ wire: WireClient, via client: UDPTestClient, server: Server, relayed: Bool = false) throws
        -> DHCPv4Message?
    {
        guard let offer = try exchange(client, wire.datagram(wire.dhcpv4(.discover), relayed: relayed), server: server)
        else { return nil }
        #expect(offer.message.messageType == .offer)
        #expect(offer.relayDepth == (relayed ? 1 : 0))
        let request = wire.dhcpv4(
            .request, requested: offer.message.header.yiaddr, serverIdentifier: ServerFixtures.serverID,
            portParams: offer.message.option(.portParams))
        return try exchange(client, wire.datagram(request, relayed: relayed), server: server)?.message
    }

    @Test func doraDirectAndThroughRelaysWithMalformedDatagramsInBetween() throws {
        try Self.withServer { server in
            let client = try UDPTestClient()
            // Direct.
            let direct = try #require(try Self.dora(WireClient(number: 1), via: client, server: server))
            #expect(direct.messageType == .ack)
            #expect(direct.option(.portParams)?.count == 4)
            // Garbage and a truncated query: no reply, counted, service goes on.
            client.send([0xDE, 0xAD], toPort: server.port)
            client.send(
                Array(WireClient(number: 9).datagram(WireClient(number: 9).dhcpv4(.discover)).prefix(30)),
                toPort: server.port)
            // Through one relay.
            let relayed = try #require(try Self.dora(WireClient(number: 2), via: client, server: server, relayed: true))
            #expect(relayed.messageType == .ack)
            // Through two relays: wrap the one-relay datagram once more.
            let wire = WireClient(number: 3)
            let inner = wire.datagram(wire.dhcpv4(.discover), relayed: true)
            let outer = RelayMessage(
                type: .relayForward, hopCount: 1, linkAddress: IPv6Address("2001:db8:ffff::1")!,
                peerAddress: IPv6Address("2001:db8:fffe::2")!,
                options: [.init(.interfaceID, Array("ae1".utf8)), .init(.relayMessage, inner)]
            ).encoded()
            client.send(outer, toPort: server.port)
            let reply = try #require(client.receive())
            try reply.withUnsafeBytes { raw in
                let packet = try DHCPv6Packet(parsing: raw)
                #expect(packet.relays.depth == 2)
                #expect(packet.relays[0].interfaceID.map(Array.init) == Array("ae1".utf8))
                #expect(packet.relays[1].interfaceID.map(Array.init) == Array("port-7".utf8))
            }
            #expect(server.counters.drops(.malformedDHCPv6) >= 2)
            #expect(server.counters.drops(.malformedDHCPv4) + server.counters.drops(.malformedDHCPv6) >= 2)
        }
    }

    @Test func informationRequestGetsOption88() throws {
        try Self.withServer { server in
            let client = try UDPTestClient()
            let request = DHCPv6Message(
                type: .informationRequest, transactionID: 0x123456,
                options: [.init(.clientIdentifier, [0, 3, 0, 1, 2, 0, 0, 0, 0, 7]), .init(.optionRequest, [0, 88])])
            client.send(request.encoded(), toPort: server.port)
            let reply = try #require(client.receive())
            try reply.withUnsafeBytes { raw in
                let message = try DHCPv6MessageView(parsing: raw)
                #expect(message.type == .reply)
                #expect(message.transactionID == 0x123456)
                let list = try DHCP4o6ServerAddresses(
                    validating: try #require(message.options.first(.dhcp4o6ServerAddresses)))
                #expect(Array(list) == [IPv6Address("::1")!])
                #expect(message.options.first(.serverIdentifier).map(Array.init) == server.serverDUID)
            }
        }
    }

    @Test func aLeaseSurvivesARestartAndInitRebootIsAcked() throws {
        try withTemporaryDirectory { directory in
            let wire = WireClient(number: 4)
            let first = try Self.startServer(directory)
            let client = try UDPTestClient()
            let ack = try #require(try Self.dora(wire, via: client, server: first))
            first.stop()
            first.wait()

            let second = try Self.startServer(directory)
            defer {
                second.stop()
                second.wait()
            }
            let reboot = wire.dhcpv4(.request, requested: ack.header.yiaddr, portParams: ack.option(.portParams))
            let reply = try #require(try Self.exchange(client, wire.datagram(reboot), server: second))
            #expect(reply.message.messageType == .ack)
            #expect(reply.message.header.yiaddr == ack.header.yiaddr)
            #expect(reply.message.option(.portParams) == ack.option(.portParams))
        }
    }

    @Test func releaseThenDiscoverAgain() throws {
        try Self.withServer { server in
            let client = try UDPTestClient()
            let wire = WireClient(number: 5)
            let ack = try #require(try Self.dora(wire, via: client, server: server))
            client.send(
                wire.datagram(wire.dhcpv4(.release, ciaddr: ack.header.yiaddr, portParams: ack.option(.portParams))),
                toPort: server.port)
            #expect(client.receive(timeout: 1) == nil, "RELEASE gets no reply")
            let again = try #require(try Self.dora(wire, via: client, server: server))
            #expect(again.header.yiaddr == ack.header.yiaddr, "the previous binding comes back (RFC 7618 step 2)")
            #expect(again.option(.portParams) == ack.option(.portParams))
        }
    }
}
