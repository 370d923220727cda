import PortLeaseSystem
import Testing

@testable import PortLeaseServer

/// Kernel receive stamps (wall clock) placed on the monotonic clock (issue 17).
@Suite struct ArrivalClockTests {
    static let millisecond: UInt64 = 1_000_000

    @Test func aStampIsPlacedAsFarBackAsItWaited() {
        var clock = ArrivalClock()
        let before = SystemClock.monotonicNanoseconds()
        let stamp = SystemClock.wallClockNanoseconds() - 300 * Self.millisecond
        let arrived = clock.monotonicTime(ofKernelStamp: stamp)
        let now = clock.monotonicTime(ofKernelStamp: 0)
        let after = SystemClock.monotonicNanoseconds()
        #expect(now >= before && now <= after, "no stamp: the batch's now")
        // It waited at least 300 ms (and no longer than that plus the time between the reads).
        #expect(now - arrived >= 300 * Self.millisecond)
        #expect(now - arrived <= 300 * Self.millisecond + (after - before))
    }

    @Test func aStampFromTheFutureCountsAsNow() {
        var clock = ArrivalClock()
        let future = SystemClock.wallClockNanoseconds() + 3_600_000 * Self.millisecond
        #expect(clock.monotonicTime(ofKernelStamp: future) == clock.monotonicTime(ofKernelStamp: 0))
    }

    @Test func theClocksAreReadOncePerBatch() {
        var clock = ArrivalClock()
        let first = clock.monotonicTime(ofKernelStamp: 0)
        SystemClock.sleep(untilMonotonicNanoseconds: first + 2 * Self.millisecond)
        #expect(clock.monotonicTime(ofKernelStamp: 0) == first)
        clock.startBatch()
        #expect(clock.monotonicTime(ofKernelStamp: 0) > first)
    }
}
