import Testing

@testable import PortLeaseServer

/// The worker's reply memory: held replies leave in order once durable, and a slot handed to
/// the send ring is not written again before the ring has flushed.
@Suite struct ReplyArenaTests {
    let origin = WireClient(number: 1).origin

    @Test func heldRepliesLeaveInOrderAndWhatWasNotWrittenIsDropped() {
        let arena = ReplyArena(capacity: 4)
        for byte in [1, 2] as [UInt8] {
            arena.nextSlot()![0] = byte
            arena.keep(length: 1, origin: origin)
        }
        arena.tag(5)
        arena.nextSlot()![0] = 3
        arena.keep(length: 1, origin: origin)
        arena.tag(9)
        var sent: [UInt8] = []
        #expect(arena.release(through: 4) { bytes, _ in sent.append(bytes[0]) } == 0)
        #expect(arena.release(through: 5) { bytes, _ in sent.append(bytes[0]) } == 2)
        #expect(sent == [1, 2])
        arena.nextSlot()![0] = 4
        arena.keep(length: 1, origin: origin)
        arena.tag(12)
        // The write of 10...12 failed: its reply goes, the one for 9 stays.
        #expect(arena.dropUnwritten(after: 9) == 1)
        #expect(arena.release(through: 100) { bytes, _ in sent.append(bytes[0]) } == 1)
        #expect(sent == [1, 2, 3])
        #expect(arena.count == 0 && arena.lentCount == 3 && arena.room == 1)
        arena.flushed()
        #expect(arena.room == 4 && arena.lentCount == 0)
    }

    @Test func aLentSlotIsNotOfferedAgainBeforeTheFlush() {
        let arena = ReplyArena(capacity: 3)
        var lent: [UnsafeRawBufferPointer] = []
        for byte in [7, 8, 9] as [UInt8] {
            arena.nextSlot()![0] = byte
            lent.append(arena.lend(length: 1))
        }
        // Every slot is with the send ring: nothing to write into, and the bytes are intact.
        #expect(arena.nextSlot() == nil)
        #expect(lent.map { $0[0] } == [7, 8, 9])
        #expect(Set(lent.map(\.baseAddress)).count == 3)
        arena.flushed()
        #expect(arena.room == 3)
        #expect(arena.nextSlot() != nil)
    }

    @Test func anImmediateReplyDoesNotWaitBehindHeldOnes() {
        let arena = ReplyArena(capacity: 4)
        arena.nextSlot()![0] = 1
        arena.keep(length: 1, origin: origin)  // an ACK, waiting for sequence 3
        arena.nextSlot()![0] = 2
        let offer = arena.lend(length: 1)  // an OFFER, sent at once
        arena.tag(3)
        #expect(offer[0] == 2)
        #expect(arena.count == 1 && arena.lentCount == 1)
        var sent: [UInt8] = []
        #expect(arena.release(through: 2) { bytes, _ in sent.append(bytes[0]) } == 0)
        #expect(arena.release(through: 3) { bytes, _ in sent.append(bytes[0]) } == 1)
        #expect(sent == [1])
        arena.flushed()
        #expect(arena.room == 4)
    }
}
