import Testing

@testable import PortLeasePerfCore

/// The timing wheel hands over exactly the subscribers whose deadline has come.
struct TimeoutWheelTests {
    @Test func expiresExactlyWhatIsDueInAnyOrderOfDeadlines() {
        let count = 2000
        let states = UnsafeMutableBufferPointer<SubscriberState>.allocate(capacity: count)
        states.initialize(repeating: SubscriberState())
        defer { states.deallocate() }
        let wheel = TimeoutWheel(states: states, longestTimeout: 65_000_000_000)
        var generator = SystemRandomNumberGenerator()
        var deadlines: [Int: UInt64] = [:]
        for index in 0..<count {
            let deadline = UInt64.random(in: 1_000_000...65_000_000_000, using: &generator)
            wheel.insert(index, deadline: deadline, now: 0)
            deadlines[index] = deadline
        }
        // A tenth taken out again (answered) never expires.
        for index in stride(from: 0, to: count, by: 10) {
            wheel.remove(index)
            deadlines[index] = nil
        }
        var expired: [Int: UInt64] = [:]
        var now: UInt64 = 0
        while now <= 70_000_000_000 {
            wheel.expire(now: now) { index in
                #expect(expired[index] == nil, "handed over twice")
                expired[index] = now
            }
            now += UInt64.random(in: 1...3_000_000_000, using: &generator)
        }
        #expect(wheel.count == 0)
        #expect(Set(expired.keys) == Set(deadlines.keys))
        for (index, at) in expired {
            #expect(at >= deadlines[index]!, "not before its deadline")
        }
    }

    @Test func aLongPauseVisitsEverySlotOnce() {
        let states = UnsafeMutableBufferPointer<SubscriberState>.allocate(capacity: 3)
        states.initialize(repeating: SubscriberState())
        defer { states.deallocate() }
        let wheel = TimeoutWheel(states: states, longestTimeout: 1_000)
        wheel.insert(0, deadline: 10, now: 0)
        wheel.insert(1, deadline: 900, now: 0)
        var seen: [Int] = []
        wheel.expire(now: 5) { seen.append($0) }
        #expect(seen.isEmpty)
        // Far more than the wheel's span later.
        wheel.expire(now: 10_000_000) { seen.append($0) }
        #expect(Set(seen) == [0, 1])
        wheel.insert(2, deadline: 10_000_500, now: 10_000_000)
        wheel.expire(now: 10_000_499) { seen.append($0) }
        #expect(seen.count == 2)
        wheel.expire(now: 10_000_500) { seen.append($0) }
        #expect(seen.last == 2)
    }
}
