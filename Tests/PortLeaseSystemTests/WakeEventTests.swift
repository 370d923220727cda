import PortLeaseSystem
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("WakeEvent")
struct WakeEventTests {
    /// A signal from another thread wakes a thread waiting on the event. The wait's timeout
    /// (60 s) is far longer than the test may take, so its `true` means the signal woke it.
    @Test func aSignalWakesAWaiter() throws {
        let waiter = Waiter(try WakeEvent())
        var thread = pthread_t()
        let context = Unmanaged.passRetained(waiter).toOpaque()
        let created = pthread_create(
            &thread, nil,
            { raw in
                let waiter = Unmanaged<Waiter>.fromOpaque(raw!).takeRetainedValue()
                waiter.woke.store(waiter.event.wait(timeoutMilliseconds: 60_000), ordering: .releasing)
                return nil
            }, context)
        try #require(created == 0)
        waiter.event.signal()
        pthread_join(thread, nil)
        let woke = waiter.woke.load(ordering: .acquiring)
        #expect(woke)
    }

    /// Signals add up until consumed: a signal before the wait is not lost, several signals
    /// are one wake-up, and after it the event is quiet again.
    @Test func signalsAreNotLostAndCoalesce() throws {
        let event = try WakeEvent()
        let idle = event.wait(timeoutMilliseconds: 0)
        #expect(!idle)
        event.signal()
        event.signal()
        let signalled = event.wait(timeoutMilliseconds: 60_000)
        #expect(signalled)
        let quietAfterwards = event.wait(timeoutMilliseconds: 0)
        #expect(!quietAfterwards)
        let nothingLeft = event.consume()
        #expect(!nothingLeft)
    }
}

/// An event and what the waiting thread saw, shared with that thread.
private final class Waiter: Sendable {
    let event: WakeEvent
    let woke = Atomic<Bool>(false)

    init(_ event: consuming WakeEvent) {
        self.event = event
    }
}
