import ArgumentParser
import Foundation
import PortLeaseSystem
import PortLeaseWire

/// `portlease client`: a minimal DHCPv4-over-DHCPv6 client for checking a server
/// by hand: Information-Request (option 88), then DISCOVER/OFFER/REQUEST/ACK, and
/// the lease printed. Not a CPE: it configures nothing.
struct ClientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "Obtain a lease from a PortLease (or any 4o6) server, for testing.",
        discussion: """
            Example (against the quick-start server):
              portlease client --server ::1 --port 10547
              portlease client --server ::1 --port 10547 --full --release
            """
    )

    @Option(help: "The server's IPv6 address.")
    var server: String = "::1"

    @Option(
        name: .customLong("also-server"),
        help:
            "Another server's IPv6 address to send every query to as well, as a relay with two server addresses does (repeatable); the first answer counts."
    )
    var alsoServers: [String] = []

    @Option(help: "The server's UDP port.")
    var port: UInt16 = 547

    @Option(help: "The interface to send on: needed for ff02::1:2 (multicast) and link-local servers.")
    var interface: String?

    @Option(help: "A number that makes this client's identity (option 61) distinct.")
    var id: UInt32 = 1

    @Flag(help: "Ask for a full address: do not list option 159.")
    var full = false

    @Option(help: "Hint a PSID length (port-set size) in option 159.")
    var psidLength: UInt8?

    @Flag(help: "Release the lease after obtaining it.")
    var release = false

    @Flag(help: "Stop after the OFFER (it then holds its port set for the offer lifetime).")
    var offerOnly = false

    @Option(
        help: ArgumentHelp(
            "Act as a relay agent for a client at this IPv6 address: wrap each query in a Relay-forward with this peer-address.",
            discussion:
                "With --remote-id, --subscriber-id and --link-address this shows how the server's matching and per-subscriber limits treat a client behind a relay."
        ))
    var relayPeer: String?

    @Option(help: "With --relay-peer: the Relay-forward's link-address.")
    var linkAddress: String = "::"

    @Option(help: "With --relay-peer: a Remote-ID (option 37): enterprise number 0, then this text.")
    var remoteID: String?

    @Option(help: "With --relay-peer: a Subscriber-ID (option 38) with this text.")
    var subscriberID: String?

    @Option(help: "Milliseconds to wait for each answer.")
    var timeout: Int = 2000

    @Option(
        help:
            "The DHCPv4 secs field of every query: how long the client says it has been trying (a standby with \"unanswered-secs\" takes over on it)."
    )
    var secs: UInt16 = 0

    func validate() throws {
        if relayPeer == nil && (remoteID != nil || subscriberID != nil || linkAddress != "::") {
            throw ValidationError("--remote-id, --subscriber-id and --link-address need --relay-peer")
        }
        if let relayPeer, IPv6Address(relayPeer) == nil { throw ValidationError("--relay-peer: not an IPv6 address") }
        if IPv6Address(linkAddress) == nil { throw ValidationError("--link-address: not an IPv6 address") }
        guard (1...60_000).contains(timeout) else { throw ValidationError("--timeout: 1 to 60000 milliseconds") }
    }

    func run() throws {
        guard let serverAddress = IPv6Address(server) else { throw ValidationError("--server: not an IPv6 address") }
        var others: [IPv6Address] = []
        for text in alsoServers {
            guard let address = IPv6Address(text) else {
                throw ValidationError("--also-server: \(text) is not an IPv6 address")
            }
            others.append(address)
        }
        let socket = try TestSocket(
            servers: [serverAddress] + others, port: port, interface: interface, timeout: timeout)
        let information = DHCPv6Message(
            type: .informationRequest, transactionID: 0x4F36,
            options: [.init(.clientIdentifier, [0, 4] + identity.suffix(16)), .init(.optionRequest, [0, 88])])
        if let reply = try socket.exchange(information.encoded()) {
            try reply.withUnsafeBytes { raw in
                let message = try DHCPv6MessageView(parsing: raw)
                if let list = message.options.first(.dhcp4o6ServerAddresses) {
                    let servers = try DHCP4o6ServerAddresses(validating: list).map(\.description)
                    print(
                        "option 88 (4o6 servers): \(servers.isEmpty ? "empty: use ff02::1:2" : servers.joined(separator: ", "))"
                    )
                }
            }
        }
        let offer = try exchange(socket, message(.discover, hint: hint()))
        print("offer: \(offer.header.yiaddr) \(portSet(offer))")
        if offerOnly { return }
        let ack = try exchange(
            socket,
            message(
                .request, requested: offer.header.yiaddr,
                serverIdentifier: offer.option(.serverIdentifier), portParams: offer.option(.portParams)))
        guard ack.messageType == .ack else {
            throw ValidationError("the server answered \(ack.messageType.map { "\($0)" } ?? "?")")
        }
        let lifetime = ack.option(.leaseTime).map { $0.reduce(0) { $0 << 8 | UInt32($1) } } ?? 0
        print("lease: \(ack.header.yiaddr) \(portSet(ack)) for \(lifetime) s")
        if release {
            let done = message(.release, ciaddr: ack.header.yiaddr, portParams: ack.option(.portParams))
            try socket.send(query(done))
            print("released")
        }
    }

    private var identity: [UInt8] {
        [0xFF, 0, 0, 0, 1, 0, 4] + Array("portlease-cli-".utf8).prefix(12)
            + withUnsafeBytes(of: id.bigEndian, Array.init)
    }

    private func hint() -> [UInt8]? {
        guard let psidLength else { return nil }
        return [0, psidLength, 0, 0]
    }

    private func message(
        _ type: DHCPv4MessageType, requested: IPv4Address? = nil, serverIdentifier: [UInt8]? = nil,
        ciaddr: IPv4Address = .zero, portParams: [UInt8]? = nil, hint: [UInt8]? = nil
    ) -> DHCPv4Message {
        var options: [DHCPv4Message.Option] = [
            .init(.messageType, [type.rawValue]), .init(.clientIdentifier, identity),
            .init(.parameterRequestList, full ? [1, 3, 6, 15, 26] : [1, 3, 6, 15, 26, 159]),
        ]
        if let requested {
            options.append(.init(.requestedAddress, requested.bytes))
        }
        if let serverIdentifier { options.append(.init(.serverIdentifier, serverIdentifier)) }
        if let params = portParams ?? hint { options.append(.init(.portParams, params)) }
        return DHCPv4Message(
            header: DHCPv4Header(
                op: DHCPv4Header.bootRequest, xid: id &* 2_654_435_761, secs: secs, ciaddr: ciaddr,
                chaddr: ClientHardwareAddress(
                    bytes: [2, 0x50, 0x4C] + withUnsafeBytes(of: id.bigEndian, Array.init).suffix(3))),
            options: options)
    }

    /// The DHCPV4-QUERY, in a Relay-forward when acting as a relay.
    private func query(_ message: DHCPv4Message) -> [UInt8] {
        let query = DHCPv6Message(
            type: .dhcpv4Query, transactionID: 0, options: [.init(.dhcpv4Message, message.encoded())]
        ).encoded()
        guard let peer = relayPeer.flatMap(IPv6Address.init), let link = IPv6Address(linkAddress) else { return query }
        var options: [DHCPv6Message.Option] = [.init(.relayMessage, query)]
        if let remoteID { options.append(.init(.remoteID, [0, 0, 0, 0] + Array(remoteID.utf8))) }
        if let subscriberID { options.append(.init(.subscriberID, Array(subscriberID.utf8))) }
        return RelayMessage(type: .relayForward, hopCount: 0, linkAddress: link, peerAddress: peer, options: options)
            .encoded()
    }

    /// Sends `message` and returns the first DHCPv4 reply to it: an OFFER to a DISCOVER, an ACK
    /// or NAK to a REQUEST. Other datagrams (with `--also-server`, a second server's answer to
    /// the DISCOVER, which has the same transaction ID) are skipped.
    private func exchange(_ socket: TestSocket, _ message: DHCPv4Message) throws -> DHCPv4Message {
        let expected: [DHCPv4MessageType] = message.messageType == .discover ? [.offer] : [.ack, .nak]
        try socket.send(query(message))
        while let reply = try socket.receive() {
            let answer = try? reply.withUnsafeBytes { raw in
                let response = try DHCPv4QueryView(try DHCPv6Packet(parsing: raw).message, type: .dhcpv4Response)
                return DHCPv4Message(try DHCPv4MessageView(parsing: response.dhcpv4Message))
            }
            if let answer, answer.header.xid == message.header.xid,
                let type = answer.messageType, expected.contains(type)
            {
                return answer
            }
        }
        throw ValidationError("no answer to \(message.messageType.map { "\($0)" } ?? "?") from [\(server)]:\(port)")
    }

    private func portSet(_ message: DHCPv4Message) -> String {
        guard let bytes = message.option(.portParams) else { return "(full address)" }
        guard let params = bytes.withUnsafeBytes({ try? PortParams(wireValue: $0) }) else { return "(bad option 159)" }
        return "port set \(params)"
    }
}

/// A blocking UDP socket for the client command: send, then wait (2 s by default) for one answer.
/// Owns its descriptor (closed in deinit); every call goes through the system layer, so a
/// failure reads like the server's ("sendto: Network is unreachable (errno 101)").
final class TestSocket {
    private let descriptor: Int32
    /// Every query goes to each of them; the first answer counts.
    private let destinations: [sockaddr_in6]

    init(servers: [IPv6Address], port: UInt16, interface: String?, timeout: Int = 2000) throws {
        var index: UInt32 = 0
        if let interface {
            do {
                index = try NetworkInterface.index(named: interface)
            } catch {
                throw ValidationError("--interface: no interface named \(interface) (\(error))")
            }
        }
        destinations = servers.map { server in
            var destination = sockaddr_in6()
            destination.sin6_family = sa_family_t(AF_INET6)
            destination.sin6_port = port.bigEndian
            let bytes = server.bytes
            withUnsafeMutableBytes(of: &destination.sin6_addr) { $0.copyBytes(from: bytes) }
            destination.sin6_scope_id = index
            return destination
        }
        descriptor = try SocketCalls.udp6(blocking: true)
        do {
            if index != 0 {
                try SocketCalls.setOption(
                    descriptor, level: Int32(IPPROTO_IPV6), option: IPV6_MULTICAST_IF, value: index,
                    operation: "setsockopt IPV6_MULTICAST_IF")
            }
            try SocketCalls.setOption(
                descriptor, level: SOL_SOCKET, option: SO_RCVTIMEO,
                value: timeval(tv_sec: timeout / 1000, tv_usec: timeout % 1000 * 1000),
                operation: "setsockopt SO_RCVTIMEO")
        } catch {
            SocketCalls.close(descriptor)
            throw error
        }
    }

    deinit {
        SocketCalls.close(descriptor)
    }

    func send(_ bytes: [UInt8]) throws {
        for destination in destinations {
            let sent = try bytes.withUnsafeBytes { raw in
                Result { () throws(SystemCallError) in try SocketCalls.send(descriptor, raw, to: destination) }
            }.get()
            guard sent == bytes.count else { throw ValidationError("sendto: sent \(sent) of \(bytes.count) bytes") }
        }
    }

    /// Sends `bytes` and returns the first datagram that comes back, or nil after the timeout.
    func exchange(_ bytes: [UInt8]) throws -> [UInt8]? {
        try send(bytes)
        return try receive()
    }

    /// The next datagram that comes back, or nil after the timeout.
    func receive() throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = try buffer.withUnsafeMutableBytes { raw in
            Result { () throws(SystemCallError) in try SocketCalls.receive(descriptor, into: raw) }
        }.get()
        guard let count, count > 0 else { return nil }
        return Array(buffer[0..<count])
    }
}
