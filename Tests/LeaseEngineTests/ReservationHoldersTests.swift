import LeaseEngine
import PortLeaseWire
import Testing

/// The holder record of subscriber reservations: one holder at a time, and a handover asked
/// for at most once a second however often the other client asks.
@Suite struct ReservationHoldersTests {
    static let binding = Binding(address: IPv4Address(198, 51, 100, 1), psid: 3, psidLength: 6, pool: 0)

    @Test func oneHolderAtATimeAndAHandoverAskedOncePerInterval() {
        let holders = ReservationHolders()
        let a = TestClient(1).key
        let b = TestClient(2).key
        #expect(holders.claim(Self.binding, for: a, now: 10_000) == .claimed)
        #expect(holders.claim(Self.binding, for: a, now: 10_001) == .claimed)
        #expect(holders.claim(Self.binding, for: b, now: 10_002) == .heldBy(a, ask: true))
        #expect(holders.claim(Self.binding, for: b, now: 10_500) == .heldBy(a, ask: false))
        #expect(
            holders.claim(Self.binding, for: b, now: 10_002 + ReservationHolders.askInterval) == .heldBy(a, ask: true))
        #expect(holders.holder(of: Self.binding) == a)
        // A wall clock stepped back asks again at once rather than in an hour.
        #expect(holders.claim(Self.binding, for: b, now: 5_000) == .heldBy(a, ask: true))
        let other = Binding(address: IPv4Address(198, 51, 100, 1), psid: 4, psidLength: 6, pool: 0)
        #expect(holders.claim(other, for: b, now: 10_003) == .claimed, "another binding is another holder's")
    }
}
