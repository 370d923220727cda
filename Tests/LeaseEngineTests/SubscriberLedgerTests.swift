import Dispatch
import Synchronization
import Testing

@testable import LeaseEngine

@Suite struct SubscriberLedgerTests {
    @Test func admitStopsAtTheLimitAndCountsBack() {
        let ledger = SubscriberLedger()
        #expect((0..<5).filter { _ in ledger.admit(42, limit: 3) }.count == 3)
        #expect(ledger.count(of: 42) == 3)
        ledger.add(-1, to: 42)
        #expect(ledger.admit(42, limit: 3))
        for _ in 0..<3 { ledger.add(-1, to: 42) }
        #expect(ledger.count(of: 42) == 0)
        #expect(ledger.subscriberCount == 0)
    }

    @Test func threadsRacingForTheLastPlacesNeverOvershoot() {
        let ledger = SubscriberLedger()
        ledger.reserveCapacity(1000)
        let admitted = Atomic<Int>(0)
        // Four threads each try 1,000 admissions for each of 100 subscribers with a limit of 5.
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<1000 {
                for subscriber in UInt64(1)...100 where ledger.admit(subscriber &* 0x9E37_79B9, limit: 5) {
                    admitted.add(1, ordering: .relaxed)
                }
            }
        }
        #expect(admitted.load(ordering: .relaxed) == 500)
        #expect((UInt64(1)...100).allSatisfy { ledger.count(of: $0 &* 0x9E37_79B9) == 5 })
        #expect(ledger.subscriberCount == 100)
    }
}
