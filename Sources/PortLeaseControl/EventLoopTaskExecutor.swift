import NIOCore

/// Runs Swift tasks on a NIO event loop: the control API's handlers prefer it
/// (`withTaskExecutorPreference`), so their work and the continuations a shard worker resumes
/// run on the API's low-priority event-loop thread instead of Swift's cooperative threads,
/// which run at normal priority beside the packet path.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
