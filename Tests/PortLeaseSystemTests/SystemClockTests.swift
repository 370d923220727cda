import PortLeaseSystem
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("SystemClock")
struct SystemClockTests {
    /// Successive monotonic readings never go back, and the clock advances.
    @Test func theMonotonicClockNeverGoesBack() {
        var last = SystemClock.monotonicNanoseconds()
        let first = last
        for _ in 0..<100_000 {
            let now = SystemClock.monotonicNanoseconds()
            #expect(now >= last)
            last = now
        }
        #expect(last > first)
    }

    /// The wall clock is the Unix time in milliseconds.
    @Test func theWallClockIsUnixMilliseconds() {
        let seconds = Int64(time(nil))
        let milliseconds = SystemClock.wallClockMilliseconds()
        #expect(abs(milliseconds / 1000 - seconds) <= 1)
    }

    /// CPU time is counted and does not go back.
    @Test func processCPUTimeAdvancesWithWork() {
        let before = SystemClock.processCPUMicroseconds()
        var sum: UInt64 = 0
        for value in 0..<5_000_000 { sum &+= UInt64(value) &* 2_654_435_761 }
        #expect(sum != 1)
        let after = SystemClock.processCPUMicroseconds()
        #expect(after.user + after.system > before.user + before.system)
    }
}
