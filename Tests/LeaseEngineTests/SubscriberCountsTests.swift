import Testing

@testable import LeaseEngine

/// The per-subscriber binding counts behind RFC 7618 section 10's limit.
@Suite struct SubscriberCountsTests {
    /// Random increments and decrements over keys that crowd few home slots, from
    /// an empty table through growth: every count matches a Dictionary model, and a
    /// subscriber whose count reaches zero leaves the table.
    @Test func matchesADictionaryUnderChurn() {
        var counts = SubscriberCounts()
        var model: [UInt64: Int] = [:]
        var generator = SystemRandomNumberGenerator()
        for step in 0..<30_000 {
            // Keys differing only in low bits, plus a few far apart.
            let key = UInt64.random(in: 1...2_000, using: &generator) << (step % 3 == 0 ? 40 : 0)
            let delta = model[key, default: 0] > 0 && Bool.random(using: &generator) ? -1 : 1
            counts.add(delta, to: key)
            model[key, default: 0] += delta
            if model[key] == 0 { model[key] = nil }
            #expect(counts[key] == model[key, default: 0], "step \(step)")
            #expect(counts.count == model.count)
        }
        for (key, value) in model {
            #expect(counts[key] == value)
        }
    }

    @Test func aCountNeverGoesBelowZero() {
        var counts = SubscriberCounts()
        counts.add(-1, to: 42)
        #expect(counts[42] == 0)
        #expect(counts.count == 0)
        counts.add(1, to: 42)
        counts.add(-1, to: 42)
        counts.add(-1, to: 42)
        #expect(counts[42] == 0)
        #expect(counts.count == 0)
    }

    /// Counts past what a slot's byte holds (the limit may be up to 65,535) are
    /// kept exactly, up and down again.
    @Test func largeCountsAreKeptExactly() {
        var counts = SubscriberCounts()
        for _ in 0..<1_000 { counts.add(1, to: 9) }
        counts.add(1, to: 10)
        #expect(counts[9] == 1_000)
        for expected in stride(from: 999, through: 0, by: -1) {
            counts.add(-1, to: 9)
            #expect(counts[9] == expected)
        }
        #expect(counts[10] == 1)
        #expect(counts.count == 1)
    }
}
