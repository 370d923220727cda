import Foundation
import PortLeaseTransport
import PortLeaseWire
import Synchronization

/// Drives an `ExchangeEngine` over io_uring: one UDP socket, a `ReceiveLoop` for replies and
/// a `SendRing` for queries, both on the calling thread.
///
/// Replies are handled as each receive batch completes; queries they trigger, and new
/// exchanges (to refill the window, or as the rate allows), are flushed in one submission at
/// the batch's end. A timer thread wakes the loop every tick (`ReceiveLoop.stop()`, which
/// returns `run` after its batch) so timeouts, open-loop pacing, progress lines and the end of
/// the run are handled even when no reply comes.
public final class LoadRunner {
    public let settings: LoadSettings
    public let engine: ExchangeEngine
    private let socket: UDPSocket
    private let loop: ReceiveLoop
    private let sender: SendRing
    private var failure: TransportError?

    public init(settings: LoadSettings) throws(TransportError) {
        precondition(settings.duration != nil || settings.exchanges != nil, "a run needs a duration or a count")
        precondition(settings.window > 0, "window must be positive")
        self.settings = settings
        engine = ExchangeEngine(settings: settings.exchange)
        let local: IPv6Address =
            settings.server.address == IPv6Address(high: 0, low: 1) ? settings.server.address : .unspecified
        socket = try UDPSocket(bind: local, port: settings.localPort)
        _ = try? socket.setReceiveBufferSize(16 << 20)
        loop = try ReceiveLoop(sockets: [socket], bufferCount: 4096, bufferSize: 2048)
        sender = try SendRing(capacity: 1024, slotSize: 2048)
    }

    /// Prepares (leases for preloaded and, for renew/init-reboot, measured subscribers), then
    /// measures, and returns the report. Runs on the calling thread; blocks until done.
    public func run() throws(TransportError) -> PerfReport {
        try ticking { () throws(TransportError) in
            try prepareLeases()
            return try measure()
        }
    }

    /// Runs `body` while a timer thread wakes the loop every tick.
    func ticking<Result>(_ body: () throws(TransportError) -> Result) throws(TransportError) -> Result {
        let ticking = Atomic<Bool>(true)
        let loop = self.loop
        let interval = useconds_t(max(1, settings.tickNanoseconds / 1000))
        let ticker = Thread {
            while ticking.load(ordering: .relaxed) {
                usleep(interval)
                loop.stop()
            }
        }
        ticker.start()
        defer { ticking.store(false, ordering: .relaxed) }
        return try body()
    }

    /// Obtains the leases the run needs before measuring (preloaded subscribers, and the
    /// measured ones for renew / init-reboot).
    func prepareLeases() throws(TransportError) {
        let preparing = engine.beginPreparation()
        guard preparing > 0 else { return }
        progress("preparing \(preparing) leases")
        try prepare()
        progress("prepared: \(engine.leasesHeld) leases held, \(preparing - engine.leasesHeld) not obtained")
    }

    /// Runs one DORA for each queued subscriber, `window` at a time, until all have finished.
    private func prepare() throws(TransportError) {
        let window = max(settings.window, 64)
        var lastProgress = MonotonicClock.now()
        while engine.idle > 0 || engine.active > 0 {
            try cycle { now in
                while engine.active < window, engine.startExchange(now: now, send: send) {}
            }
            let now = MonotonicClock.now()
            if now - lastProgress >= 1_000_000_000 {
                lastProgress = now
                progress("preparing: \(engine.active) in flight, \(engine.idle) to go")
            }
        }
    }

    private func measure() throws(TransportError) -> PerfReport {
        engine.beginMeasurement()
        let start = MonotonicClock.now()
        let cpuStart = MonotonicClock.processCPU()
        var pacing = settings.rate.map { RateController(rate: $0, start: start) }
        let stopAt = settings.duration.map { start + UInt64($0 * 1e9) }
        let drainLimit = settings.exchange.longestExchangeWait
        var startingEnded: UInt64?
        var completedAtStop = 0
        var lastProgress = (time: start, completed: 0)

        func refill(_ now: UInt64) {
            guard startingEnded == nil else { return }
            let limit = settings.exchanges ?? Int.max
            if var controller = pacing {
                let due = min(controller.take(at: now), limit - engine.started)
                pacing = controller
                for started in 0..<max(0, due) where !engine.startExchange(now: now, send: send) {
                    engine.record(.skipped, times: due - started)
                    break
                }
            } else {
                while engine.active < settings.window, engine.started < limit,
                    engine.startExchange(now: now, send: send)
                {}
            }
        }

        while true {
            try cycle(refill)
            let now = MonotonicClock.now()
            if startingEnded == nil,
                stopAt.map({ now >= $0 }) ?? false || settings.exchanges.map({ engine.started >= $0 }) ?? false
            {
                startingEnded = now
                completedAtStop = engine.completed
            }
            if settings.progress, now - lastProgress.time >= 1_000_000_000 {
                let rate = Double(engine.completed - lastProgress.completed) * 1e9 / Double(now - lastProgress.time)
                lastProgress = (now, engine.completed)
                progress(
                    "\(PerfReport.fixed(Double(now - start) / 1e9, 1)) s: \(PerfReport.fixed(rate, 0)) exchanges/s,"
                        + " \(engine.active) outstanding, \(engine.completed) completed,"
                        + " \(engine.failed) failed, \(engine.count(.timeout)) timeouts,"
                        + " \(engine.retransmissions) retransmissions")
            }
            if let ended = startingEnded, engine.active == 0 || now - ended > drainLimit { break }
        }
        let end = MonotonicClock.now()
        let cpuEnd = MonotonicClock.processCPU()
        recordSendFailures()
        // Duration runs count what completed while starting was allowed; count runs, all of it.
        let measuredEnd = settings.duration != nil && settings.exchanges == nil ? (startingEnded ?? end) : end
        let completed = settings.duration != nil && settings.exchanges == nil ? completedAtStop : engine.completed
        return PerfReport(
            scenario: settings.exchange.scenarioName, roundTrips: settings.exchange.roundTrips,
            load: settings.loadDescription,
            seconds: Double(measuredEnd - start) / 1e9, started: engine.started, completed: completed,
            failed: engine.failed, unfinished: engine.active, sent: engine.sent, received: engine.received,
            retransmissions: engine.retransmissions, errors: engine.errors,
            exchangeLatency: .init(engine.exchangeLatency), roundTripLatency: .init(engine.roundTripLatency),
            cpuUser: cpuEnd.user - cpuStart.user, cpuSystem: cpuEnd.system - cpuStart.system,
            leasesHeld: engine.leasesHeld)
    }

    /// One turn: start what `refill` allows, flush, receive until the next tick (handling
    /// replies, refilling and flushing at each batch end), then expire timeouts.
    func cycle(_ refill: (UInt64) -> Void) throws(TransportError) {
        refill(MonotonicClock.now())
        flush()
        try loop.run(
            handler: { datagram in
                engine.handle(datagram.payload, now: MonotonicClock.now(), send: send)
            },
            batchEnd: {
                refill(MonotonicClock.now())
                flush()
            })
        let now = MonotonicClock.now()
        engine.expire(now: now, send: send)
        refill(now)
        flush()
        if let failure { throw failure }
    }

    func send(_ bytes: UnsafeRawBufferPointer) {
        if !sender.enqueue(bytes, on: socket, to: settings.server) {
            flush()
            if !sender.enqueue(bytes, on: socket, to: settings.server) { engine.record(.sendFailure) }
        }
    }

    /// Counts the send ring's failures as the engine's (once, at the end of a run).
    func recordSendFailures() {
        engine.record(.sendFailure, times: sender.failures)
    }

    private func flush() {
        guard sender.pending > 0 else { return }
        do throws(TransportError) { try sender.flush() } catch {
            failure = failure ?? error
            loop.stop()
        }
    }

    func progress(_ line: String) {
        guard settings.progress else { return }
        let text = "[portlease-perf] " + line + "\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
    }
}
