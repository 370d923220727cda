import Foundation
import ServiceLifecycle
import Synchronization

/// One data-plane thread (receive loop, shard worker, ...) seen by the service group: the
/// thread runs its blocking body, and ``run()`` awaits its end, so a part that fails, or
/// ends without being asked to, fails the group and the process.
///
/// Graceful shutdown and cancellation both call the part's `stop`; cancellation (the group
/// gave up waiting) also stops waiting, so a part stuck in the kernel cannot keep the
/// process alive after a fatal fault.
final class ThreadService: Service, Sendable {
    /// The part's name in log lines and faults ("shard-0", "receive loop").
    let name: String
    private let outcomes: AsyncStream<FatalFault?>
    private let requestStop: @Sendable () -> Void
    private let stopRequested = Atomic<Bool>(false)
    private let ended = DispatchSemaphore(value: 0)
    /// The thread's body until it runs: taken then, so that what it holds (a ring, its
    /// sockets) is released when it returns, not when the thread object goes.
    private let body: Mutex<(@Sendable () -> FatalFault?)?>

    /// Starts `body` on a new thread named `threadName`. `body` returns nil when it ended
    /// because `stop` asked it to, or the fault that ended it. `group` is left when it ends.
    init(
        name: String, threadName: String, group: DispatchGroup, stop: @escaping @Sendable () -> Void,
        body: @escaping @Sendable () -> FatalFault?
    ) {
        self.name = name
        requestStop = stop
        self.body = Mutex(body)
        let (stream, continuation) = AsyncStream.makeStream(of: FatalFault?.self, bufferingPolicy: .bufferingNewest(1))
        outcomes = stream
        group.enter()
        let thread = Thread { [self] in
            continuation.yield(runBody())
            continuation.finish()
            ended.signal()
            group.leave()
        }
        thread.name = threadName
        thread.start()
    }

    private func runBody() -> FatalFault? {
        let body = self.body.withLock { body in
            defer { body = nil }
            return body
        }
        return body?()
    }

    /// Asks the part to finish; idempotent, from any thread.
    func stop() {
        stopRequested.store(true, ordering: .sequentiallyConsistent)
        requestStop()
    }

    /// Blocks until the thread has ended (for the non-async ``Server/wait()``).
    func waitUntilEnded() {
        ended.wait()
        ended.signal()
    }

    func run() async throws {
        let outcome = await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await outcomes.first { _ in true }
            } onGracefulShutdown: {
                self.stop()
            }
        } onCancel: {
            self.stop()
        }
        switch outcome {
        case .some(.some(let fault)):
            throw fault
        case .some(.none):
            if !stopRequested.load(ordering: .sequentiallyConsistent) {
                throw FatalFault(
                    part: name, reason: "the thread ended without being asked to stop", status: .partFailed)
            }
        case .none:
            // Cancelled while the thread still runs: it was asked to stop; stop waiting for it.
            break
        }
    }
}
