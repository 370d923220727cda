import NIOPosix
import PortLeaseSystem

/// Where the control plane runs: one event-loop thread at nice 10, shared by the control API,
/// history shipping and replication, and a task executor on it for their Swift tasks.
///
/// The data plane (the receive thread at nice 0, the shard workers at nice 5) comes first on a
/// busy machine; the control plane takes what is left, like log compaction. Measured
/// (`Benchmarks/api-load.sh`): Hummingbird's default group, a thread per core at the workers'
/// priority, cost the packet path a quarter of its rate under 1,000 lookups a second.
public enum ControlPlane {
    /// The nice value of the control plane's thread.
    public static let niceness: Int32 = 10

    /// The control plane's one event-loop thread.
    public static let eventLoops: MultiThreadedEventLoopGroup = {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        group.next().execute { ThreadPriority.lowerCurrentThread(to: niceness) }
        return group
    }()

    /// Runs tasks that prefer it on ``eventLoops``.
    public static let taskExecutor = EventLoopTaskExecutor(eventLoops.next())
}
