import Foundation
import LeaseEngine
import LeaseLog
import PortLeaseServer
import PortLeaseSystem
import PortLeaseWire

/// A reply sink that keeps what it is given.
final class CollectingSink: ReplySink {
    var queued: [(bytes: [UInt8], origin: DatagramOrigin)] = []
    var sent: [(bytes: [UInt8], origin: DatagramOrigin)] = []
    var flushes = 0

    func enqueue(_ bytes: UnsafeRawBufferPointer, to origin: DatagramOrigin) -> Bool {
        queued.append((Array(bytes), origin))
        return true
    }

    func flush() {
        flushes += 1
        sent += queued
        queued.removeAll()
    }
}

/// A scratch directory removed afterwards.
func withTemporaryDirectory<R>(_ body: (String) throws -> R) throws -> R {
    let path = NSTemporaryDirectory() + "portlease-server-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// A scratch directory removed afterwards, for async tests.
func withTemporaryDirectory<R>(_ body: (String) async throws -> R) async throws -> R {
    let path = NSTemporaryDirectory() + "portlease-server-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// A 4o6 client as the server sees it on the wire.
struct WireClient {
    var number: Int
    var wantsPortParams = true
    var clientIdentifier: [UInt8] {
        [0xFF, 0, 0, 0, 1, 0, 3, 0, 1, 0x02, 0, 0, 0, UInt8(number >> 8), UInt8(number & 0xFF)]
    }
    var address: IPv6Address { IPv6Address(high: 0x2001_0DB8_0100_0000, low: UInt64(number) + 1) }
    var origin: DatagramOrigin {
        DatagramOrigin(
            source: address, sourcePort: 546, destination: IPv6Address("2001:db8::1")!, interfaceIndex: 1,
            socketIndex: 0)
    }

    func dhcpv4(
        _ type: DHCPv4MessageType, requested: IPv4Address? = nil, serverIdentifier: IPv4Address? = nil,
        ciaddr: IPv4Address = .zero, portParams: [UInt8]? = nil
    ) -> DHCPv4Message {
        var options: [DHCPv4Message.Option] = [
            .init(.messageType, [type.rawValue]), .init(.clientIdentifier, clientIdentifier),
            .init(.parameterRequestList, wantsPortParams ? [1, 3, 6, 159] : [1, 3, 6]),
        ]
        if let requested { options.append(.init(.requestedAddress, requested.bytes)) }
        if let serverIdentifier { options.append(.init(.serverIdentifier, serverIdentifier.bytes)) }
        if let portParams { options.append(.init(.portParams, portParams)) }
        return DHCPv4Message(
            header: DHCPv4Header(
                op: DHCPv4Header.bootRequest, xid: UInt32(number), ciaddr: ciaddr,
                chaddr: ClientHardwareAddress(bytes: [2, 0, 0, 0, UInt8(number >> 8), UInt8(number & 0xFF)])),
            options: options)
    }

    /// The message as a datagram: a DHCPV4-QUERY, optionally inside one Relay-forward.
    func datagram(_ message: DHCPv4Message, unicast: Bool = false, relayed: Bool = false) -> [UInt8] {
        let query = DHCPv6Message(
            type: .dhcpv4Query, transactionID: unicast ? DHCPv4QueryView.unicastFlag : 0,
            options: [.init(.dhcpv4Message, message.encoded())])
        guard relayed else { return query.encoded() }
        return RelayMessage(
            type: .relayForward, hopCount: 0, linkAddress: IPv6Address("2001:db8:100::1")!, peerAddress: address,
            options: [.init(.interfaceID, Array("port-7".utf8)), .init(.relayMessage, query.encoded())]
        ).encoded()
    }

}

extension WireClient {
    /// Offers `message` to `queue` as the receive thread does: routed by a one-shard
    /// classifier (lane and exchange), received `age` nanoseconds ago.
    @discardableResult
    func admit(_ message: DHCPv4Message, to queue: ShardQueue, age: UInt64 = 0) -> ShardQueue.Admission {
        let classifier = Classifier(shardCount: 1, serverDUID: [0, 3, 0, 1, 2, 0, 0x5E, 0, 0, 1], serverAddresses: [])
        let bytes = datagram(message)
        var scratch = [UInt8](repeating: 0, count: 2048)
        return bytes.withUnsafeBytes { payload in
            var parsed: QueuedQuery?
            let decision = scratch.withUnsafeMutableBytes { buffer in
                var reply = ByteWriter(buffer)
                return classifier.classify(
                    payload, source: address, reply: &reply, counters: ServerCounters(), parsed: &parsed)
            }
            guard case .query(let route) = decision else { return .full }
            return queue.admit(
                payload, parsed: parsed, origin: origin, received: SystemClock.monotonicNanoseconds() - age,
                lane: route.lane, exchange: route.exchange)
        }
    }
}

/// Decodes a reply datagram down to its DHCPv4 message and relay depth.
func decodeReply(_ bytes: [UInt8]) throws -> (message: DHCPv4Message, relayDepth: Int) {
    try bytes.withUnsafeBytes { raw in
        let packet = try DHCPv6Packet(parsing: raw)
        let response = try DHCPv4QueryView(packet.message, type: .dhcpv4Response)
        return (try DHCPv4Message(decoding: Array(response.dhcpv4Message)), packet.relays.depth)
    }
}

enum ServerFixtures {
    static let serverID = IPv4Address("192.0.2.1")!

    static func engineConfiguration() -> EngineConfiguration {
        EngineConfiguration(
            serverIdentifier: serverID,
            pools: [
                PoolPolicy(
                    name: "map", kind: .shared(.init(psidOffset: 6, defaultPSIDLength: 6)),
                    addressRanges: [IPv4Address("198.51.100.1")!...IPv4Address("198.51.100.8")!]),
                PoolPolicy(
                    name: "full", kind: .full(servePortParamsClients: false),
                    addressRanges: [IPv4Address("203.0.113.16")!...IPv4Address("203.0.113.31")!]),
            ])
    }
}
