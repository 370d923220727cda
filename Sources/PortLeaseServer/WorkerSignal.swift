import PortLeaseSystem
import Synchronization

/// Wakes a sleeping shard worker when its queue gets work, without a system call
/// per datagram: the receive loop signals at most once per batch, and only when
/// the worker said it was going to sleep.
///
/// Built on the system layer's one wake-up mechanism, a `WakeEvent` (an eventfd) that this
/// object owns and closes when it goes away; the threads that signal or sleep on it must be
/// done before then (the server joins them first).
public final class WorkerSignal: @unchecked Sendable {
    private let event: WakeEvent
    private let sleeping = Atomic<Bool>(false)

    /// Creates the eventfd. A process that cannot create one (out of descriptors at start-up)
    /// cannot run a worker either, so that failure stops it with the reason.
    public init() {
        do {
            event = try WakeEvent()
        } catch {
            preconditionFailure("cannot create a worker's wake-up: \(error)")
        }
    }

    /// Producer: after enqueuing, wake the worker if it is (about to be) asleep.
    public func notify() {
        if sleeping.load(ordering: .sequentiallyConsistent) { event.signal() }
    }

    /// Unconditionally wakes the worker (shutdown).
    public func wake() {
        event.signal()
    }

    /// Consumer: sleeps up to `timeoutMilliseconds` unless `hasWork()` turns true
    /// after announcing the sleep (the re-check closes the lost-wakeup window).
    public func sleep(timeoutMilliseconds: Int32, unless hasWork: () -> Bool) {
        sleeping.store(true, ordering: .sequentiallyConsistent)
        if !hasWork() { event.wait(timeoutMilliseconds: timeoutMilliseconds) }
        sleeping.store(false, ordering: .sequentiallyConsistent)
    }
}
