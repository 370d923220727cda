import Logging
import NIOCore
import NIOPosix
import PortLeaseControlPlane
import Synchronization

/// Where syslog messages go, and how.
package enum SyslogDestination: Sendable, Equatable, CustomStringConvertible {
    /// One datagram per message (RFC 5426).
    case udp(host: String, port: Int)
    /// One connection, each message framed as `LENGTH SP MESSAGE` (octet counting, RFC 6587
    /// section 3.4.1), so a message may hold any byte and the receiver needs no delimiter.
    case tcp(host: String, port: Int)
    /// One datagram per message to a local socket (`/dev/log`: rsyslog or the journal).
    case unix(path: String)

    package var description: String {
        switch self {
        case .udp(let host, let port): "udp://\(host):\(port)"
        case .tcp(let host, let port): "tcp://\(host):\(port)"
        case .unix(let path): "unix://\(path)"
        }
    }

    /// Whether a lost connection loses the messages in it (a stream) or only the one datagram.
    var isStream: Bool {
        if case .tcp = self { true } else { false }
    }
}

/// Sends syslog messages to one collector from the control plane's event loop, never making
/// its caller wait: ``send(_:)`` queues, ``run()`` writes.
///
/// **Bounded.** The queue holds at most `capacity` messages; when the collector is away or
/// slower than the events, what does not fit is dropped and counted, never buffered without
/// limit. The writer hands SwiftNIO one batch at a time and waits for it to reach the kernel,
/// so NIO's own buffer stays small too. **Reconnects.** A connection that cannot be made or
/// breaks is retried with a back-off from 0.5 s to 30 s; the messages of a TCP batch that
/// were not written go back to the head of the queue. A datagram that cannot be sent is
/// dropped (UDP promises no delivery anyway); when none of a batch can, the socket is opened
/// again after the back-off (a local receiver that restarted has a new socket). **No blocking
/// I/O on the event loop.** The collector's name is resolved off the event loop, at every
/// connection (a changed address is followed); the sockets are non-blocking.
package final class SyslogSender: Sendable {
    package let destination: SyslogDestination
    package let capacity: Int
    private let statistics: SyslogStatistics
    private let logger: Logger
    private let queue: Mutex<Pending>
    /// Wakes ``run()`` when a message is queued or ``finish()`` is called.
    private let wake: AsyncStream<Void>.Continuation
    private let wakeups: AsyncStream<Void>

    /// The queue and the flags that go with it.
    private struct Pending {
        var messages = CircularBuffer<ByteBuffer>(initialCapacity: 64)
        /// Set when a message was dropped for want of room; cleared when one fits again (one log line per episode).
        var overflowing = false
        var finishing = false
    }

    /// Messages written per batch before waiting for them to reach the kernel.
    static let batchSize = 64
    /// How long a TCP connection may take.
    static let connectTimeout = TimeAmount.seconds(10)

    package init(destination: SyslogDestination, capacity: Int = 10_000, statistics: SyslogStatistics, logger: Logger) {
        self.destination = destination
        self.capacity = max(1, capacity)
        self.statistics = statistics
        self.logger = logger
        queue = Mutex(Pending())
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues `message` (framed for the transport); never waits. False when the queue was
    /// full and the message was dropped (and counted).
    @discardableResult
    package func send(_ message: String) -> Bool {
        var buffer = ByteBuffer()
        if destination.isStream { buffer.writeString("\(message.utf8.count) ") }
        buffer.writeString(message)
        let (accepted, firstDrop, queued) = queue.withLock { pending -> (Bool, Bool, Int) in
            guard pending.messages.count < capacity else {
                defer { pending.overflowing = true }
                return (false, !pending.overflowing, pending.messages.count)
            }
            pending.overflowing = false
            pending.messages.append(buffer)
            return (true, false, pending.messages.count)
        }
        statistics.set(.queued, queued)
        guard accepted else {
            statistics.add(.dropped)
            if firstDrop {
                logger.warning(
                    "syslog queue full; dropping holding events until the collector takes them",
                    metadata: ["destination": "\(destination)", "capacity": "\(capacity)"])
            }
            return false
        }
        wake.yield()
        return true
    }

    /// Asks ``run()`` to return once the queue is empty (graceful shutdown).
    package func finish() {
        queue.withLock { $0.finishing = true }
        wake.yield()
    }

    /// Sends what is queued, as it is queued, until cancelled, or until ``finish()`` was called
    /// and the queue is empty. Runs on the control plane's event loop.
    package func run() async {
        await withTaskExecutorPreference(ControlPlane.taskExecutor) {
            var channel: (any Channel)?
            var wakeups = self.wakeups.makeAsyncIterator()
            var backoff = Self.initialBackoff
            var failing = false
            defer {
                channel?.close(promise: nil)
                discardQueue()
            }
            while !Task.isCancelled {
                let (batch, finishing) = take()
                if batch.isEmpty {
                    if finishing { return }
                    guard await wakeups.next() != nil else { return }
                    continue
                }
                var failure: (any Error)?
                var reopen = false
                if channel?.isActive != true {
                    channel?.close(promise: nil)
                    channel = nil
                    do {
                        channel = try await connect()
                    } catch {
                        requeue(batch[...])
                        failure = error
                        reopen = true
                    }
                }
                if let open = channel {
                    let (written, error) = await write(batch, on: open)
                    if written < batch.count {
                        // A stream's failure means the connection is gone: what was not written goes
                        // back. Datagrams that failed were counted as drops; the socket stays usable
                        // unless none went (a local socket whose receiver restarted: connect again).
                        if destination.isStream { requeue(batch[written...]) }
                        failure = SyslogSendError.notSent(batch.count - written, error)
                        reopen = destination.isStream || written == 0
                    }
                }
                guard let failure else {
                    if failing {
                        logger.notice("syslog sending resumed", metadata: ["destination": "\(destination)"])
                        failing = false
                    }
                    backoff = Self.initialBackoff
                    continue
                }
                statistics.add(.failures)
                if !failing {
                    logger.warning(
                        "syslog sending failed; retrying",
                        metadata: ["destination": "\(destination)", "error": "\(failure)"])
                    failing = true
                }
                guard reopen else { continue }
                channel?.close(promise: nil)
                channel = nil
                if finishingNow() { return }
                do {
                    try await Task.sleep(for: backoff)
                } catch {
                    return
                }
                backoff = min(backoff * 2, Self.maximumBackoff)
            }
        }
    }

    static let initialBackoff = Duration.milliseconds(500)
    static let maximumBackoff = Duration.seconds(30)

    /// Up to ``batchSize`` messages from the head of the queue, and whether ``finish()`` was called.
    private func take() -> ([ByteBuffer], Bool) {
        let (batch, finishing, left) = queue.withLock { pending in
            let count = min(Self.batchSize, pending.messages.count)
            let batch = Array(pending.messages.prefix(count))
            pending.messages.removeFirst(count)
            return (batch, pending.finishing, pending.messages.count)
        }
        statistics.set(.queued, left)
        return (batch, finishing)
    }

    private func finishingNow() -> Bool {
        queue.withLock { $0.finishing }
    }

    /// Counts what is still queued as dropped and empties the queue (``run()`` ends).
    private func discardQueue() {
        let left = queue.withLock { pending in
            defer { pending.messages.removeAll() }
            return pending.messages.count
        }
        statistics.add(.dropped, left)
        statistics.set(.queued, 0)
    }

    /// Puts messages that were taken but not written back at the head of the queue, in order;
    /// those that no longer fit are dropped.
    private func requeue(_ messages: ArraySlice<ByteBuffer>) {
        let (dropped, left) = queue.withLock { pending in
            var dropped = 0
            for message in messages.reversed() {
                if pending.messages.count < capacity {
                    pending.messages.prepend(message)
                } else {
                    dropped += 1
                }
            }
            return (dropped, pending.messages.count)
        }
        statistics.add(.dropped, dropped)
        statistics.set(.queued, left)
    }

    /// Writes `batch` and waits until each message reached the kernel or failed. Returns how
    /// many were written: before the first failure (a stream), or in all (datagrams, each
    /// failed one counted as a drop).
    private func write(_ batch: [ByteBuffer], on channel: any Channel) async -> (Int, (any Error)?) {
        let results = batch.map { channel.write($0) }
        channel.flush()
        var written = 0
        var failed = 0
        var firstError: (any Error)?
        for result in results {
            do {
                try await result.get()
                if failed == 0 || !destination.isStream { written += 1 }
            } catch {
                failed += 1
                if firstError == nil { firstError = error }
            }
        }
        statistics.add(.sent, written)
        if !destination.isStream { statistics.add(.dropped, failed) }
        return (written, firstError)
    }

    /// A new connection (or connected datagram socket) to the destination.
    private func connect() async throws -> any Channel {
        switch destination {
        case .udp(let host, let port):
            let address = try await Self.resolve(host, port: port)
            return try await DatagramBootstrap(group: ControlPlane.eventLoops).connect(to: address).get()
        case .tcp(let host, let port):
            // NIO resolves the name off the event loop and tries each address (Happy Eyeballs).
            return try await ClientBootstrap(group: ControlPlane.eventLoops)
                .connectTimeout(Self.connectTimeout)
                .channelOption(.socketOption(.so_keepalive), value: 1)
                .connect(host: host, port: port).get()
        case .unix(let path):
            let address = try SocketAddress(unixDomainSocketPath: path)
            return try await DatagramBootstrap(group: ControlPlane.eventLoops).connect(to: address).get()
        }
    }

    /// `host` (a name or an address) resolved on NIO's thread pool (`getaddrinfo` blocks): the
    /// first address, as other syslog senders do; a datagram cannot tell which one listens.
    private static func resolve(_ host: String, port: Int) async throws -> SocketAddress {
        try await NIOThreadPool.singleton.runIfActive {
            try SocketAddress.makeAddressResolvingHost(host, port: port)
        }
    }
}

/// Why a batch was not sent in full.
enum SyslogSendError: Error, CustomStringConvertible {
    /// This many messages of a batch did not reach the kernel, the first for this reason.
    case notSent(Int, (any Error)?)

    var description: String {
        switch self {
        case .notSent(let count, let error): "\(count) message(s) not written: \(error.map { "\($0)" } ?? "unknown")"
        }
    }
}
