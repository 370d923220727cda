import PortLeaseWire
import Testing

@testable import LeaseEngine

/// The per-lease memory budget depends on these layouts; a field added carelessly
/// would cost every one of millions of leases.
@Suite struct LeaseTableTests {
    @Test func aLeaseEntryIsSixtyFourBytesWithAShortKeyInline() {
        #expect(MemoryLayout<ClientKey>.size == 35)
        #expect(MemoryLayout<LeaseEntry>.stride == 64)
        #expect(MemoryLayout<(deadline: UInt32, payload: UInt32)>.stride == 8)
    }

    @Test func expiryIsKeptInWholeSecondsRoundedUp() {
        var entry = LeaseEntry(key: ClientKey(kind: .clientIdentifier, bytes: [1, 2, 3]))
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
}
