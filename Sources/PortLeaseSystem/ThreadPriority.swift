#if canImport(Glibc)
    import Glibc
#endif

/// The CPU priority of a thread, for background work that must yield to the data plane.
public enum ThreadPriority {
    /// Linux's `SCHED_IDLE` policy (sched.h defines it only under `_GNU_SOURCE`).
    private static let idlePolicy: Int32 = 5

    /// Sets the calling thread's nice value (Linux keeps one per thread: `who` 0 is the calling
    /// thread, not the whole process); best effort, since a lower priority is only a
    /// preference: a failure leaves the thread as it was.
    public static func lowerCurrentThread(to nice: Int32) {
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice)
    }

    /// Puts the calling thread in `SCHED_IDLE`: it runs only on CPU time no other thread of
    /// normal priority wants. For compaction beside the shard workers on a small machine;
    /// best effort (falls back to nice 19 where the policy is refused).
    public static func makeCurrentThreadIdle() {
        var parameters = sched_param(sched_priority: 0)
        if sched_setscheduler(0, idlePolicy, &parameters) != 0 { lowerCurrentThread(to: 19) }
    }
}
