import CURing
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// The one wake-up mechanism: a non-blocking, close-on-exec `eventfd`.
///
/// One thread sleeps on it, others `signal()` it. A sleeping worker waits with `wait` (a `poll`
/// that then empties the counter); an io_uring loop instead keeps an 8-byte read of
/// `descriptor` queued, whose completion is the wake-up (the receive loop's `stop()`). Signals
/// never block and never get lost: the counter only adds up until the waiter reads it, and a
/// counter at its limit (`EAGAIN`) is already a pending wake-up.
///
/// The value owns its descriptor (`~Copyable`) and closes it on deinit; whoever stores it (a
/// `WorkerSignal`, a `ReceiveLoop`) must outlive every thread that signals or waits on it.
public struct WakeEvent: ~Copyable, Sendable {
    private let owned: OwnedDescriptor

    /// Creates the eventfd with its counter at zero.
    public init() throws(SystemCallError) {
        let raw = try SystemCall.retrying("eventfd") { eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC)) }
        owned = OwnedDescriptor(FileDescriptor(rawValue: raw))
    }

    /// The eventfd, for queuing an io_uring read of its 8-byte counter. Owned by this value.
    public var descriptor: FileDescriptor { owned.descriptor }

    /// Wakes the waiter (adds 1 to the counter). Safe from any thread; never blocks.
    public func signal() {
        var one: UInt64 = 1
        // Glibc's write, not FileDescriptor's: its EAGAIN would box an `Errno` per call.
        _ = Glibc.write(descriptor.rawValue, &one, MemoryLayout<UInt64>.size)
    }

    /// Sleeps until signalled or until `timeoutMilliseconds` pass (negative: no limit), then
    /// empties the counter so the next wait sleeps again. Returns whether it was signalled.
    @discardableResult
    public func wait(timeoutMilliseconds: Int32) -> Bool {
        var entry = pollfd(fd: descriptor.rawValue, events: Int16(POLLIN), revents: 0)
        var ready: Int32
        repeat {
            ready = poll(&entry, 1, timeoutMilliseconds)
        } while ready < 0 && SystemCall.currentErrno == EINTR
        return ready > 0 && consume()
    }

    /// A second descriptor for the same counter (`dup`), for a reader that closes its own
    /// (an event loop's pipe channel): signals here keep going to a valid descriptor however
    /// long that reader lives. The caller owns what is returned.
    public func duplicate() throws(SystemCallError) -> Int32 {
        try SystemCall.retrying("dup of an eventfd") { dup(descriptor.rawValue) }
    }

    /// Empties the counter without waiting; returns whether there was a signal to consume.
    @discardableResult
    public func consume() -> Bool {
        var counter: UInt64 = 0
        let count = Glibc.read(descriptor.rawValue, &counter, MemoryLayout<UInt64>.size)
        return count == MemoryLayout<UInt64>.size && counter > 0
    }
}
