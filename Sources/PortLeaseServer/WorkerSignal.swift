import Synchronization

/// Wakes a sleeping shard worker when its queue gets work, without a system call
/// per datagram: the receive loop signals at most once per batch, and only when
/// the worker said it was going to sleep.
public final class WorkerSignal: @unchecked Sendable {
    private let readEnd: Int32
    private let writeEnd: Int32
    private let sleeping = Atomic<Bool>(false)

    public init() {
        (readEnd, writeEnd) = SystemCalls.makeWakePipe()
    }

    deinit {
        SystemCalls.close(readEnd)
        SystemCalls.close(writeEnd)
    }

    /// Producer: after enqueuing, wake the worker if it is (about to be) asleep.
    public func notify() {
        if sleeping.load(ordering: .sequentiallyConsistent) { SystemCalls.signal(pipe: writeEnd) }
    }

    /// Unconditionally wakes the worker (shutdown).
    public func wake() {
        SystemCalls.signal(pipe: writeEnd)
    }

    /// Consumer: sleeps up to `timeoutMilliseconds` unless `hasWork()` turns true
    /// after announcing the sleep (the re-check closes the lost-wakeup window).
    public func sleep(timeoutMilliseconds: Int32, unless hasWork: () -> Bool) {
        sleeping.store(true, ordering: .sequentiallyConsistent)
        if !hasWork() { SystemCalls.wait(pipe: readEnd, timeoutMilliseconds: timeoutMilliseconds) }
        sleeping.store(false, ordering: .sequentiallyConsistent)
    }
}
