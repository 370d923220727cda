import PortLeaseSystem

/// The generator's clock: the system layer's one monotonic clock (`CLOCK_MONOTONIC`, a vDSO
/// call, no system call), for every timestamp it takes (send times, latencies, rate control,
/// deadlines), so its numbers and the server's are measured the same way.
public enum MonotonicClock {
    /// Nanoseconds of the monotonic clock.
    @inline(__always)
    public static func now() -> UInt64 {
        SystemClock.monotonicNanoseconds()
    }

    /// The process's CPU time so far (user and system, `getrusage(RUSAGE_SELF)`), in microseconds.
    public static func processCPU() -> (user: UInt64, system: UInt64) {
        SystemClock.processCPUMicroseconds()
    }
}
