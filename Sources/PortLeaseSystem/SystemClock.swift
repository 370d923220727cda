#if canImport(Glibc)
    import Glibc
#endif

/// The clocks PortLease reads: one monotonic clock for every interval and deadline measured
/// inside the process, and the wall clock for what is written down (lease times, records).
///
/// `clock_gettime` is a vDSO call on Linux, not a system call: cheap enough for the packet path.
public enum SystemClock {
    /// Nanoseconds of `CLOCK_MONOTONIC`: never goes back, not moved by NTP steps or an operator
    /// setting the date. For latencies, timeouts, pacing; meaningless across processes or boots.
    @inlinable
    public static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    /// Nanoseconds since the Unix epoch (`CLOCK_REALTIME`): the clock the kernel stamps
    /// received datagrams with (`SO_TIMESTAMPNS`), read to tell how long one waited.
    @inlinable
    public static func wallClockNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    /// Milliseconds since the Unix epoch (`CLOCK_REALTIME`): the time lease records and expiry
    /// deadlines are written in, so they mean the same after a restart.
    @inlinable
    public static func wallClockMilliseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }

    /// The process's CPU time so far (user and system, `getrusage(RUSAGE_SELF)`), in
    /// microseconds: how busy a benchmark run kept the machine.
    public static func processCPUMicroseconds() -> (user: UInt64, system: UInt64) {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func micros(_ value: timeval) -> UInt64 { UInt64(value.tv_sec) * 1_000_000 + UInt64(value.tv_usec) }
        return (micros(usage.ru_utime), micros(usage.ru_stime))
    }

    /// Sleeps until `deadline` (`CLOCK_MONOTONIC` nanoseconds) has passed
    /// (`clock_nanosleep` with `TIMER_ABSTIME`, restarted after a signal): pacing
    /// without spinning a core.
    public static func sleep(untilMonotonicNanoseconds deadline: UInt64) {
        var time = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &time, nil) == EINTR {}
    }
}
