import Testing

@testable import PortLeaseWire

/// Moving a parse to a copy of its datagram (the shard queue's slot): every view must read
/// the copy, so the original can be reused at once.
@Suite struct ByteRelocationTests {
    @Test func aRelayedQueryParsedOnceReadsTheSameFromItsCopy() throws {
        let original = UnsafeMutableRawBufferPointer.allocate(byteCount: Vectors.twoLevelRelay.count, alignment: 8)
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: Vectors.twoLevelRelay.count, alignment: 8)
        defer {
            original.deallocate()
            copy.deallocate()
        }
        original.copyBytes(from: Vectors.twoLevelRelay)
        let packet = try DHCPv6Packet(parsing: UnsafeRawBufferPointer(original))
        let query = try DHCPv4QueryView(packet.message)
        let message = try DHCPv4MessageView(parsing: query.dhcpv4Message)
        let expected = (
            hash: message.clientKeyHash, requested: Array(message.parameterRequestList),
            codes: message.options.map(\.code.rawValue)
        )
        copy.copyMemory(from: UnsafeRawBufferPointer(original))
        let move = ByteRelocation(from: UnsafeRawBufferPointer(original), to: UnsafeRawPointer(copy.baseAddress!))
        let movedPacket = packet.relocated(move)
        let movedQuery = query.relocated(move)
        let movedMessage = message.relocated(move)
        // The original is reused for the next datagram: nothing may read it any more.
        original.initializeMemory(as: UInt8.self, repeating: 0xEE)
        let range = UnsafeRawPointer(copy.baseAddress!)..<(UnsafeRawPointer(copy.baseAddress!) + copy.count)
        #expect(range.contains(movedMessage.bytes.baseAddress!))
        #expect(movedPacket.relays.depth == 2)
        #expect(movedPacket.relays[1].interfaceID.map(Array.init) == ascii("ge-0/0/1"))
        #expect(movedPacket.relays[1].remoteID.map(Array.init) == hex("00 00 0d e9") + ascii("cpe-42"))
        #expect(movedPacket.relays[0].peerAddress == Vectors.outerPeer)
        #expect(movedPacket.relays.innermostIdentity?.subscriberID.map(Array.init) == ascii("sub-7"))
        #expect(Array(movedPacket.message.bytes) == Vectors.query)
        #expect(movedPacket.message.options.first(.dhcpv4Message).map { Array($0) } == Vectors.discover)
        #expect(Array(movedQuery.dhcpv4Message) == Vectors.discover)
        #expect(movedMessage.messageType == .discover)
        #expect(movedMessage.clientKeyHash == expected.hash)
        #expect(Array(movedMessage.parameterRequestList) == expected.requested)
        #expect(movedMessage.options.map(\.code.rawValue) == expected.codes)
    }

    @Test func viewsOutsideTheOriginalStayPut() {
        let original = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 8)
        let elsewhere = UnsafeMutableRawBufferPointer.allocate(byteCount: 4, alignment: 8)
        defer {
            original.deallocate()
            elsewhere.deallocate()
        }
        let move = ByteRelocation(from: UnsafeRawBufferPointer(original), to: UnsafeRawPointer(bitPattern: 0x1000)!)
        #expect(move(UnsafeRawBufferPointer(elsewhere)).baseAddress == UnsafeRawPointer(elsewhere.baseAddress!))
        #expect(move(UnsafeRawBufferPointer(start: nil, count: 0)).baseAddress == nil)
        let inside = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(original)[4..<8])
        #expect(move(inside).baseAddress == UnsafeRawPointer(bitPattern: 0x1004)!)
        #expect(move(inside).count == 4)
    }
}
