import NIOCore

/// Runs Swift tasks on a NIO event loop: the control plane's tasks prefer it
/// (`withTaskExecutorPreference`), so their work and the continuations a shard worker resumes
/// run on the control plane's low-priority event-loop thread instead of Swift's cooperative
/// threads, which run at normal priority beside the packet path.
public final class EventLoopTaskExecutor: TaskExecutor {
    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
