#if canImport(Glibc)
    import Glibc
#endif

/// Nanoseconds from `CLOCK_MONOTONIC` (a vDSO call, no system call): every timestamp the
/// generator takes (send times, latencies, rate control, deadlines).
public enum MonotonicClock {
    public static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    /// The process's CPU time so far (user and system, `getrusage(RUSAGE_SELF)`), in microseconds.
    public static func processCPU() -> (user: UInt64, system: UInt64) {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func micros(_ value: timeval) -> UInt64 { UInt64(value.tv_sec) * 1_000_000 + UInt64(value.tv_usec) }
        return (micros(usage.ru_utime), micros(usage.ru_stime))
    }
}
