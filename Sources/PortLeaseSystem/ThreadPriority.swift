#if canImport(Glibc)
    import Glibc
#endif

/// The CPU priority of a thread, for background work that must yield to the data plane.
public enum ThreadPriority {
    /// Sets the calling thread's nice value (Linux keeps one per thread: `who` 0 is the calling
    /// thread, not the whole process); best effort, since a
    /// lower priority is only a preference: a failure leaves the thread as it was.
    public static func lowerCurrentThread(to nice: Int32) {
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice)
    }
}
