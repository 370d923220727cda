import PortLeaseTestSupport
import PortLeaseWire
import Testing

@testable import LeaseEngine

/// The per-lease memory budget depends on these layouts; a field added carelessly
/// would cost every one of millions of leases.
@Suite struct LeaseTableTests {
    @Test func aClientTakesAFortyEightByteSlot() {
        #expect(MemoryLayout<LeaseEntry>.size == 31)
        #expect(MemoryLayout<LeaseSlot>.stride == 48)
        #expect(MemoryLayout<(deadline: UInt32, payload: UInt32)>.stride == 8)
    }

    /// Keys of every size class, and keys that differ only in length, kind or a
    /// trailing zero byte (stored keys are zero-padded), are told apart and read
    /// back exactly. (Keys have at most 255 bytes: option 61's length is one byte,
    /// and the lease log refuses longer ones.)
    @Test(arguments: [0, 1, 11, 12, 13, 15, 16, 17, 19, 23, 24, 25, 32, 33, 254])
    func keysOfEveryLengthAreFoundAndReadBack(length: Int) {
        var table = LeaseTable()
        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 1) }
        let key = ClientKey(kind: .clientIdentifier, bytes: bytes)
        let longer = ClientKey(kind: .clientIdentifier, bytes: bytes + [0])
        let otherKind = ClientKey(kind: .hardwareAddress, bytes: bytes)
        let id = table.findOrCreate(key)
        #expect(table.find(key) == id)
        #expect(table.key(of: id) == key)
        #expect(table.find(longer) == nil)
        #expect(table.find(otherKind) == nil)
        let longerID = table.findOrCreate(longer)
        let otherID = table.findOrCreate(otherKind)
        #expect(Set([id, longerID, otherID]).count == 3)
        #expect(table.key(of: longerID) == longer)
        #expect(table.key(of: otherID) == otherKind)
        #expect(table.clientCount == 3)
    }

    @Test func expiryIsKeptInWholeSecondsRoundedUp() {
        var entry = LeaseEntry(keyKind: .clientIdentifier, keyLength: 3)
        entry.expiry = 1_800_000_000_000
        #expect(entry.expiry == 1_800_000_000_000)
        entry.expiry = 1_800_000_000_001
        #expect(entry.expiry == 1_800_000_001_000, "never shorter than granted")
        #expect(!entry.hasPrevious)
        entry.previous = Binding(address: IPv4Address(192, 0, 2, 1), psid: 3, psidLength: 6, pool: 0)
        #expect(entry.hasPrevious)
        entry.hasPrevious = false
        #expect(!entry.hasPrevious)
    }

    /// A renewal moves a lease's end later without queueing a second entry: the
    /// queued one surfaces at the old end and is queued again at the new one, so
    /// the queue holds one entry per client however often clients renew, and the
    /// lease still ends exactly when the last renewal says.
    @Test func renewalsKeepOneQueueEntryPerClient() throws {
        let harness = try EngineHarness(Fixtures.configuration([Fixtures.sharedPool()]))
        let client = TestClient(21)
        let ack = harness.dora(client)
        for _ in 0..<20 {
            harness.advance(seconds: 1800)
            harness.send(
                client.message(.request, ciaddr: ack.yiaddr!, portParams: ack.portParams), from: client, unicast: true)
            #expect(harness.engine.expiries.count <= 1)
        }
        let lastRenewal = harness.now
        harness.advance(seconds: 3599)
        #expect(harness.engine.lease(of: client.key)?.kind == .bound)
        harness.advance(seconds: 2)
        #expect(harness.engine.lease(of: client.key) == nil)
        let expire = try #require(harness.allRecords.last)
        #expect(expire.event == .expire)
        #expect(expire.time == lastRenewal + 3_600_000)
    }

    /// A deadline earlier than the one already queued for the client (an offer
    /// after a release, while the released lease's hour is still queued) gets its
    /// own entry, so the offer is returned on time, not an hour late.
    @Test func anEarlierDeadlineIsQueuedAgain() throws {
        let harness = try EngineHarness(
            Fixtures.configuration([Fixtures.sharedPool("one", "198.51.100.1", "198.51.100.1", minimum: 6)]))
        let client = TestClient(22)
        let ack = harness.dora(client)
        harness.send(client.message(.release, ciaddr: ack.yiaddr!, portParams: ack.portParams), from: client)
        harness.send(client.message(.discover), from: client)
        #expect(harness.engine.lease(of: client.key)?.kind == .offered)
        harness.advance(seconds: 61)
        #expect(harness.engine.lease(of: client.key) == nil)
        #expect(harness.engine.counters.offerTimeouts == 1)
    }

    /// Clients of every key length come and go (a removed client's slot and long
    /// key tail are reused by later ones): every client the model holds is found
    /// under its key with its key read back intact, and no removed one is found.
    @Test func churnOfMixedKeyLengthsMatchesAModel() {
        var table = LeaseTable()
        var model: [ClientKey: UInt32] = [:]
        var generator = SplitMix(seed: 7)
        let binding = Binding(address: IPv4Address(192, 0, 2, 1), psid: 1, psidLength: 6, pool: 0)
        for step in 0..<20_000 {
            let length = Int.random(in: 1...40, using: &generator)
            let value = UInt8.random(in: 0..<40, using: &generator)
            let key = ClientKey(kind: .clientIdentifier, bytes: [UInt8](repeating: value, count: length))
            if let id = model[key] {
                #expect(table.find(key) == id, "step \(step)")
                // Ends the binding with nothing to remember: the client is removed.
                table.clearCurrent(id, keepAsPrevious: false)
                model[key] = nil
                #expect(table.find(key) == nil, "step \(step): removed")
            } else {
                #expect(table.find(key) == nil, "step \(step): not yet added")
                let id = table.findOrCreate(key)
                _ = table.setCurrent(id, binding, .bound, expiry: 1_000)
                model[key] = id
            }
        }
        #expect(table.clientCount == model.count)
        for (key, id) in model {
            #expect(table.find(key) == id)
            #expect(table.key(of: id) == key)
        }
    }
}
