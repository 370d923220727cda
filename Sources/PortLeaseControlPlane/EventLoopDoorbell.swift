import NIOCore
import NIOPosix
import PortLeaseSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Wakes the control plane's event loop from a shard worker without allocating: the worker
/// rings (one `write` to an eventfd, only if not rung since the loop last answered), and the
/// loop runs `answer` on its own thread.
///
/// Why: handing the loop work from another thread (`execute`, a channel `write`, resuming a
/// task that prefers the loop) allocates a task on the calling thread, and a worker is the
/// packet path (`Benchmarks/RESULTS.md`, "Allocations on the shard workers"). The loop reads the
/// eventfd through a pipe channel on a duplicate of the descriptor, so a ring after the channel
/// closed still reaches a descriptor this object owns.
///
/// Ordering: the loop clears the rung flag before it answers, so whatever a worker left before
/// ringing is seen by that answer or by the next one.
public final class EventLoopDoorbell: Sendable {
    private let event: WakeEvent
    private let flag = Flag()
    private let channel: any Channel

    /// Whether a ring waits for the loop's answer (shared with the loop's handler).
    private final class Flag: Sendable {
        let rung = Atomic<Bool>(false)
    }

    /// Opens a doorbell on `eventLoop` that runs `answer` there after rings.
    public init(on eventLoop: any EventLoop, answer: @escaping @Sendable () -> Void) async throws {
        let event = try WakeEvent()
        let reader = try event.duplicate()
        let flag = self.flag
        do {
            channel = try await NIOPipeBootstrap(group: eventLoop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(Answer(flag: flag, answer: answer))
                    }
                }
                .takingOwnershipOfDescriptor(input: reader)
                .get()
        } catch {
            _ = Glibc.close(reader)  // not taken: still this caller's
            throw error
        }
        self.event = event
    }

    /// Wakes the loop to answer (any thread; never blocks, never allocates).
    public func ring() {
        guard !flag.rung.exchange(true, ordering: .acquiringAndReleasing) else { return }
        event.signal()
    }

    /// Stops answering (the loop closes its descriptor; rings after it change nothing).
    public func close() {
        channel.close(promise: nil)
    }

    /// The loop's side: each read of the counter clears the flag, then answers.
    private final class Answer: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let flag: Flag
        let answer: @Sendable () -> Void

        init(flag: Flag, answer: @escaping @Sendable () -> Void) {
            self.flag = flag
            self.answer = answer
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            flag.rung.store(false, ordering: .releasing)
            answer()
        }
    }
}
