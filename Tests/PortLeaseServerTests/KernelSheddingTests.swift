import Logging
import PortLeaseTransport
import PortLeaseWire
import Testing

@testable import PortLeaseServer

#if canImport(Glibc)
    import Glibc
#endif

/// The receive thread moves DISCOVER shedding into the kernel while a DISCOVER lane is
/// nearly full, and back once every lane has drained (issue 17).
@Suite struct KernelSheddingTests {
    /// Sends a DISCOVER and a renewal to `socket`; returns which of them arrived.
    func probe(_ socket: UDPSocket) throws -> (discover: Bool, renewal: Bool) {
        let client = WireClient(number: 9)
        let sender = try UDPTestClient()
        sender.send(client.datagram(client.dhcpv4(.discover)), toPort: socket.localAddress.port)
        sender.send(
            client.datagram(client.dhcpv4(.request, ciaddr: IPv4Address(198, 51, 100, 7))),
            toPort: socket.localAddress.port)
        var arrived: (discover: Bool, renewal: Bool) = (false, false)
        var buffer = [UInt8](repeating: 0, count: 2048)
        while true {
            let count = buffer.withUnsafeMutableBytes {
                recv(socket.fileDescriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT))
            }
            guard count > 0 else { break }
            let bytes = Array(buffer[0..<count])
            if bytes == client.datagram(client.dhcpv4(.discover)) {
                arrived.discover = true
            } else {
                arrived.renewal = true
            }
        }
        return arrived
    }

    @Test func theFilterComesOnWithAFullDiscoverLaneAndOffOnceItDrains() throws {
        let socket = try UDPSocket(bind: IPv6Address(high: 0, low: 1), port: 0)
        defer { socket.close() }
        let queues = [ShardQueue(capacity: 20, slotSize: 64), ShardQueue(capacity: 20, slotSize: 64)]
        let counters = ServerCounters()
        var shedding = KernelShedding()
        let logger = Logger(label: "test")
        func fill(_ queue: ShardQueue, to count: Int) {
            while queue.depth(.starting) < count {
                _ = [UInt8(1)].withUnsafeBytes {
                    queue.admit($0, origin: WireClient(number: 1).origin, lane: .starting)
                }
            }
        }
        fill(queues[1], to: 18)  // 90%: not yet
        shedding.update(queues: queues, sockets: [socket], counters: counters, logger: logger)
        #expect(!shedding.attached)
        #expect(try probe(socket) == (true, true))

        fill(queues[1], to: 19)  // 95%
        shedding.update(queues: queues, sockets: [socket], counters: counters, logger: logger)
        #expect(shedding.attached)
        #expect(counters.kernelFilterAttached.load(ordering: .relaxed) == 1)
        #expect(try probe(socket) == (false, true), "DISCOVERs dropped in the kernel, renewals still read")

        queues[1].drain(limit: 2) { _, _ in }  // 17 left: 85%, still on
        shedding.update(queues: queues, sockets: [socket], counters: counters, logger: logger)
        #expect(shedding.attached)
        queues[1].drain(limit: 1) { _, _ in }  // 80%: off
        shedding.update(queues: queues, sockets: [socket], counters: counters, logger: logger)
        #expect(!shedding.attached)
        #expect(counters.kernelFilterAttached.load(ordering: .relaxed) == 0)
        #expect(counters.kernelFilterEpisodes.load(ordering: .relaxed) == 1)
        #expect(try probe(socket) == (true, true))
    }
}
