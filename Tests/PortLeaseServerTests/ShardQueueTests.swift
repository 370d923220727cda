import PortLeaseServer
import PortLeaseWire
import Testing

/// The shard queue's lanes and duplicate absorption (issue 17), without a worker.
@Suite struct ShardQueueTests {
    let origin = WireClient(number: 1).origin

    func admit(_ queue: ShardQueue, _ byte: UInt8, lane: ShardQueue.Lane, exchange: UInt64 = 0, received: UInt64 = 1)
        -> ShardQueue.Admission
    {
        [byte].withUnsafeBytes { queue.admit($0, origin: origin, received: received, lane: lane, exchange: exchange) }
    }

    func drain(_ queue: ShardQueue, limit: Int) -> [(UInt8, UInt64, ShardQueue.Lane)] {
        var seen: [(UInt8, UInt64, ShardQueue.Lane)] = []
        queue.drain(limit: limit) { payload, _, received, lane in seen.append((payload[0], received, lane)) }
        return seen
    }

    @Test func theContinuingLaneIsDrainedFirst() {
        let queue = ShardQueue(capacity: 8, slotSize: 16)
        #expect(admit(queue, 1, lane: .starting) == .queued)
        #expect(admit(queue, 2, lane: .continuing) == .queued)
        #expect(admit(queue, 3, lane: .starting) == .queued)
        #expect(admit(queue, 4, lane: .continuing) == .queued)
        #expect(drain(queue, limit: 3).map(\.0) == [2, 4, 1])
        #expect(drain(queue, limit: 3).map(\.0) == [3])
        #expect(queue.depth == 0)
    }

    @Test func aFullStartingLaneLeavesRoomForContinuingWork() {
        let queue = ShardQueue(capacity: 2, slotSize: 16)
        let starts = (0..<5).map { admit(queue, UInt8($0), lane: .starting) }
        #expect(starts == [.queued, .queued, .full, .full, .full])
        #expect(admit(queue, 9, lane: .continuing) == .queued)
        #expect(queue.drops(.queueFullDiscover) == 3)
        #expect(queue.drops(.queueFull) == 0)
        #expect(drain(queue, limit: 1).map(\.0) == [9])
    }

    @Test func aRetransmissionStillWaitingRefreshesItsCopy() {
        let queue = ShardQueue(capacity: 4, slotSize: 16)
        #expect(admit(queue, 1, lane: .starting, exchange: 77, received: 100) == .queued)
        #expect(admit(queue, 2, lane: .starting, exchange: 78, received: 150) == .queued)
        #expect(admit(queue, 1, lane: .starting, exchange: 77, received: 200) == .replaced)
        #expect(queue.drops(.duplicate) == 1)
        let seen = drain(queue, limit: 4)
        #expect(seen.map(\.0) == [1, 2], "the copy keeps its place in line")
        #expect(seen.map(\.1) == [200, 150], "with the retransmission's receive time")
        // Once handed to the worker it is no longer waiting: the next copy queues again.
        #expect(admit(queue, 1, lane: .starting, exchange: 77, received: 300) == .queued)
        // Without an exchange key nothing is absorbed.
        #expect(admit(queue, 5, lane: .continuing, received: 300) == .queued)
        #expect(admit(queue, 5, lane: .continuing, received: 300) == .queued)
        #expect(queue.depth == 3)
    }

    @Test func theClassifierRoutesByExchange() {
        let client = WireClient(number: 5)
        let queue = ShardQueue(capacity: 4)
        #expect(client.admit(client.dhcpv4(.discover), to: queue) == .queued)
        #expect(client.admit(client.dhcpv4(.discover), to: queue) == .replaced)
        // The REQUEST of the same exchange (same xid) is other work, in the other lane.
        #expect(client.admit(client.dhcpv4(.request, ciaddr: IPv4Address(192, 0, 2, 9)), to: queue) == .queued)
        #expect(queue.depth(.starting) == 1)
        #expect(queue.depth(.continuing) == 1)
        // Another client with the same xid is another exchange.
        let other = WireClient(number: 6)
        var discover = other.dhcpv4(.discover)
        discover.header.xid = 5
        #expect(other.admit(discover, to: queue) == .queued)
    }

    @Test func aQueryTakesItsParseIntoTheSlot() {
        let client = WireClient(number: 9)
        let queue = ShardQueue(capacity: 4)
        #expect(client.admit(client.dhcpv4(.request, ciaddr: IPv4Address(192, 0, 2, 9)), to: queue) == .queued)
        _ = [UInt8](repeating: 1, count: 4).withUnsafeBytes { queue.enqueue($0, origin: origin) }
        var seen: [(inside: Bool, type: DHCPv4MessageType?, ciaddr: IPv4Address?, client: [UInt8]?)] = []
        queue.drainQueries(limit: 4) { payload, parsed, _, _, _ in
            guard let parsed = copy parsed else {
                seen.append((false, nil, nil, nil))
                return
            }
            // The views were moved with the copy: they read the slot, not the classifier's buffer.
            let base = payload.baseAddress!
            let message = parsed.message.bytes.baseAddress!
            seen.append(
                (
                    message >= base && message + parsed.message.bytes.count <= base + payload.count,
                    parsed.message.messageType, parsed.message.header.ciaddr,
                    parsed.message.clientIdentifier.map(Array.init)
                ))
        }
        #expect(seen.count == 2)
        #expect(seen.first?.inside == true)
        #expect(seen.first?.type == .request)
        #expect(seen.first?.ciaddr == IPv4Address(192, 0, 2, 9))
        #expect(seen.first?.client == client.clientIdentifier)
        // Bytes queued without a parse (as tests and tools may) come out without one.
        #expect(seen.last?.type == nil && seen.last?.inside == false)
    }
}
