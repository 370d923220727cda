import Histogram
import PortLeaseWire

/// The simulated subscribers' state machines: starts exchanges, checks every reply, sends the
/// next query, times out and retransmits. No sockets: queries go to a `send` closure and
/// replies come in as bytes, so the engine is tested without a network and driven by
/// `LoadRunner` over io_uring.
///
/// Per-packet work allocates nothing: subscriber state is one preallocated array, a reply
/// finds its subscriber from the xid (index << 8 | sequence), the idle subscribers wait in a
/// preallocated ring, the ones waiting for replies in an intrusive list in send order, and
/// leases held are checked for overlap in a preallocated `HoldingSet`.
public final class ExchangeEngine {
    public let settings: ExchangeSettings
    /// The scenario being run: `.dora` while preparing, then `settings.scenario` (or the mix).
    public private(set) var mode: Scenario
    /// The mix, while measuring with one (nil while preparing: every prepared exchange is a DORA).
    private var mix: ScenarioMix?

    /// Exchanges started, completed (the final reply checked), and failed (NAK, wrong reply,
    /// abandoned after retransmissions) since measuring began.
    public private(set) var started = 0
    public private(set) var completed = 0
    public private(set) var failed = 0
    /// Datagrams sent (queries, retransmissions, RELEASEs) and received.
    public private(set) var sent = 0
    public private(set) var received = 0
    public private(set) var retransmissions = 0
    /// Exchanges in flight.
    public private(set) var active = 0
    /// Latency of each query/reply round trip and of each whole exchange, in nanoseconds.
    public private(set) var roundTripLatency = ExchangeEngine.histogram()
    public private(set) var exchangeLatency = ExchangeEngine.histogram()
    /// Latency of each completed renewal alone (a storm's bound subscribers renewing).
    public private(set) var renewLatency = ExchangeEngine.histogram()
    /// Completed renewals, and renewals that failed (NAK, wrong reply, abandoned).
    public private(set) var renewalsCompleted = 0
    public private(set) var renewalsFailed = 0

    private let builder: QueryBuilder
    private let states: UnsafeMutableBufferPointer<SubscriberState>
    private var idleSubscribers: SubscriberRing
    private let waiting: TimeoutWheel
    /// RFC 2131 jitter (a fixed seed: runs are reproducible).
    private var random = SeededRandom(seed: 0x5254_5832_3133_31)
    /// Subscribers whose exchange failed, to start over (``ExchangeSettings/restartAfterFailure``).
    private var failedSubscribers: SubscriberRing
    /// Exchanges started over after a failure since measuring began.
    public private(set) var restarts = 0
    /// Replies that came for the query in flight after it had been retransmitted: the server
    /// answered a copy the client had already given up on (or the retransmission itself).
    public private(set) var answeredAfterRetransmission = 0
    private var errorCounts: [Int]
    private let holdings: HoldingSet
    /// Whether a finished subscriber goes back to the idle ring (false while preparing: each
    /// prepared subscriber runs once).
    private var recycle = false

    public init(settings: ExchangeSettings) {
        precondition(settings.total > 0 && settings.total <= SubscriberIdentity.maximumCount, "1...2^24 subscribers")
        self.settings = settings
        mode = settings.scenario
        builder = QueryBuilder(relays: settings.relays, full: settings.full, psidLengthHint: settings.psidLengthHint)
        states = .allocate(capacity: settings.total)
        states.initialize(repeating: SubscriberState())
        idleSubscribers = SubscriberRing(capacity: settings.total)
        failedSubscribers = SubscriberRing(capacity: settings.total)
        waiting = TimeoutWheel(states: states, longestTimeout: settings.longestTimeout)
        errorCounts = Array(repeating: 0, count: PerfError.allCases.count)
        holdings = HoldingSet(expected: settings.total)
    }

    deinit {
        states.deallocate()
        idleSubscribers.deallocate()
        failedSubscribers.deallocate()
    }

    private static func histogram() -> Histogram<UInt64> {
        Histogram(
            lowestDiscernibleValue: 1, highestTrackableValue: 100_000_000_000, numberOfSignificantValueDigits: .three)
    }

    /// How many times `kind` happened since measuring began.
    public func count(_ kind: PerfError) -> Int { errorCounts[kind.rawValue] }

    /// Every error kind with its count.
    public var errors: [(PerfError, Int)] { PerfError.allCases.map { ($0, errorCounts[$0.rawValue]) } }

    /// Counts `kind` `times` times (the driver's send failures and skipped starts).
    public func record(_ kind: PerfError, times: Int = 1) { errorCounts[kind.rawValue] += times }

    /// Subscribers free to start an exchange.
    public var idle: Int { idleSubscribers.count }

    /// Leases currently recorded as held (unique (address, port set) tuples).
    public var leasesHeld: Int { holdings.count }

    /// Queues the subscribers that need a lease before measuring (the preloaded ones, and the
    /// measured ones too for `renew` / `init-reboot`), each to run one DORA. Returns how many.
    public func beginPreparation() -> Int {
        mode = .dora
        mix = nil
        recycle = false
        idleSubscribers.removeAll()
        let count = settings.needsLease ? settings.total : settings.preload
        for index in 0..<count { idleSubscribers.push(index) }
        return count
    }

    /// Switches to the measured scenario with every measured subscriber idle, and zeroes the
    /// counters and histograms (what happened while preparing is not measured). Without
    /// `recycling` the idle ring stays empty: the caller starts each exchange by index (the storm).
    public func beginMeasurement(recycling: Bool = true) {
        mode = settings.scenario
        mix = settings.mix
        recycle = recycling
        idleSubscribers.removeAll()
        for index in settings.preload..<settings.total where recycling && states[index].phase == .idle {
            idleSubscribers.push(index)
        }
        started = 0
        completed = 0
        failed = 0
        sent = 0
        received = 0
        retransmissions = 0
        restarts = 0
        answeredAfterRetransmission = 0
        for index in errorCounts.indices { errorCounts[index] = 0 }
        roundTripLatency.reset()
        exchangeLatency.reset()
        renewLatency.reset()
        renewalsCompleted = 0
        renewalsFailed = 0
    }

    /// Starts an exchange for the next idle subscriber; false when none is idle.
    public func startExchange(now: UInt64, send: (UnsafeRawBufferPointer) -> Void) -> Bool {
        guard let index = idleSubscribers.pop() else { return false }
        start(index, scenario: mix?.scenario(at: started) ?? mode, now: now, send: send)
        return true
    }

    /// Starts `scenario` for subscriber `index`, which the caller schedules itself (the storm:
    /// not through the idle ring); false when it is in an exchange already.
    @discardableResult
    public func startExchange(
        _ index: Int, scenario: Scenario, now: UInt64, send: (UnsafeRawBufferPointer) -> Void
    ) -> Bool {
        guard states[index].phase == .idle else { return false }
        start(index, scenario: scenario, now: now, send: send)
        return true
    }

    /// Whether subscriber `index` holds a lease (an ACK was checked for it).
    public func holdsLease(_ index: Int) -> Bool { states[index].held != .zero }

    private func start(_ index: Int, scenario: Scenario, now: UInt64, send: (UnsafeRawBufferPointer) -> Void) {
        started += 1
        active += 1
        states[index].exchangeStart = now
        states[index].scenario = scenario
        let holds = states[index].held != .zero
        let phase: SubscriberPhase =
            switch scenario {
            case .dora, .doraRelease: .discovering
            case .renew: holds ? .renewing : .discovering
            case .initReboot: holds ? .rebooting : .discovering
            case .infoRequest: .informing
            case .echo: .echoing
            }
        advance(index, to: phase, now: now, send: send)
    }

    /// Checks one received datagram and, when it completes a step, sends the next query.
    public func handle(_ payload: UnsafeRawBufferPointer, now: UInt64, send: (UnsafeRawBufferPointer) -> Void) {
        received += 1
        let reply: ParsedReply
        do throws(PerfError) { reply = try ParsedReply(parsing: payload) } catch {
            record(error)
            return
        }
        guard reply.relayDepth == settings.relays else { return record(.relayMismatch) }
        let index: Int
        let sequence: UInt8?
        switch reply.body {
        case .dhcpv4(let message):
            (index, sequence) = SubscriberIdentity.decode(transactionID: message.transactionID)
            guard index < settings.total, message.hardwareAddress == SubscriberIdentity(index).hardwareAddress else {
                return record(.unmatched)
            }
        case .reply(let transactionID, _):
            (index, sequence) = (Int(transactionID), nil)
        case .echo(let transactionID):
            (index, sequence) = SubscriberIdentity.decode(transactionID: transactionID)
        }
        guard index < settings.total else { return record(.unmatched) }
        if settings.relays > 0, reply.peerAddress != SubscriberIdentity(index).ipv6Address {
            return record(.relayMismatch)
        }
        let state = states[index]
        guard state.phase != .idle, sequence == nil || sequence == state.sequence else { return record(.late) }
        roundTripLatency.recordClamped(now &- state.sentAt)
        if state.retries > 0 { answeredAfterRetransmission += 1 }
        switch reply.body {
        case .dhcpv4(let message):
            guard state.phase != .informing && state.phase != .echoing else { return fail(index, .unexpectedType) }
            handleDHCPv4(message, index: index, now: now, send: send)
        case .reply(_, let hasOption88):
            guard state.phase == .informing else { return fail(index, .unexpectedType) }
            if hasOption88 { finish(index, now: now) } else { fail(index, .missingOption88) }
        case .echo:
            guard state.phase == .echoing else { return fail(index, .unexpectedType) }
            finish(index, now: now)
        }
    }

    /// Times out every query past its deadline: retransmits it (same xid), or abandons the
    /// exchange after the last retransmission.
    public func expire(now: UInt64, send: (UnsafeRawBufferPointer) -> Void) {
        waiting.expire(now: now) { index in
            record(.timeout)
            if Int(states[index].retries) < settings.retransmissions {
                states[index].retries += 1
                retransmissions += 1
                transmit(index, now: now, send: send)
            } else {
                fail(index, .abandoned)
            }
        }
    }

    /// Starts over every subscriber whose exchange failed (``ExchangeSettings/restartAfterFailure``)
    /// with a DISCOVER; returns how many.
    @discardableResult
    public func restartFailed(now: UInt64, send: (UnsafeRawBufferPointer) -> Void) -> Int {
        var count = 0
        while let index = failedSubscribers.pop() {
            restarts += 1
            active += 1
            count += 1
            advance(index, to: .discovering, now: now, send: send)
        }
        return count
    }

    private func handleDHCPv4(
        _ message: ParsedReply.DHCPv4Reply, index: Int, now: UInt64, send: (UnsafeRawBufferPointer) -> Void
    ) {
        if message.type == .nak {
            dropLease(index)
            return fail(index, .nak)
        }
        if settings.full, message.portParams != nil { return fail(index, .portParamsMismatch) }
        let state = states[index]
        switch state.phase {
        case .discovering:
            guard message.type == .offer, message.yiaddr != .zero, let server = message.serverIdentifier else {
                return fail(index, .wrongReply)
            }
            states[index].offered = message.yiaddr
            states[index].offeredParams = message.portParams
            states[index].server = server
            advance(index, to: .selecting, now: now, send: send)
        case .selecting:
            guard message.type == .ack else { return fail(index, .wrongReply) }
            guard message.yiaddr == state.offered else { return fail(index, .addressMismatch) }
            guard message.portParams == state.offeredParams else { return fail(index, .portParamsMismatch) }
            holdLease(index, message.yiaddr, message.portParams)
            if state.scenario == .doraRelease { release(index, send: send) }
            finish(index, now: now)
        case .renewing, .rebooting:
            guard message.type == .ack else { return fail(index, .wrongReply) }
            guard message.yiaddr == state.held else { return fail(index, .addressMismatch) }
            guard message.portParams == state.heldParams else { return fail(index, .portParamsMismatch) }
            finish(index, now: now)
        case .idle, .informing, .echoing:
            fail(index, .unexpectedType)
        }
    }

    /// Records an ACKed lease, replacing the subscriber's previous one; an overlap with another
    /// subscriber's lease is counted (the lease is still the subscriber's, as the server sees it).
    private func holdLease(_ index: Int, _ address: IPv4Address, _ params: PortParams?) {
        dropLease(index)
        states[index].held = address
        states[index].heldParams = params
        states[index].inHoldingSet = holdings.insert(address, params)
        if !states[index].inHoldingSet { record(.duplicateLease) }
    }

    private func dropLease(_ index: Int) {
        if states[index].inHoldingSet { holdings.remove(states[index].held, states[index].heldParams) }
        states[index].inHoldingSet = false
        states[index].held = .zero
        states[index].heldParams = nil
    }

    /// Sends a RELEASE for the held lease (no reply comes) and forgets the lease.
    private func release(_ index: Int, send: (UnsafeRawBufferPointer) -> Void) {
        let state = states[index]
        let identity = SubscriberIdentity(index)
        let spec = DHCPv4QuerySpec(
            type: .release, ciaddr: state.held, serverIdentifier: state.server, portParams: state.heldParams)
        send(
            builder.dhcpv4Query(
                spec, subscriber: identity, transactionID: identity.transactionID(sequence: state.sequence &+ 1)))
        sent += 1
        dropLease(index)
    }

    /// Moves to `phase` with a new xid sequence and sends its query.
    private func advance(_ index: Int, to phase: SubscriberPhase, now: UInt64, send: (UnsafeRawBufferPointer) -> Void) {
        states[index].phase = phase
        states[index].sequence &+= 1
        states[index].retries = 0
        transmit(index, now: now, send: send)
    }

    /// Sends (or resends) the query of the subscriber's current phase and puts it at the tail
    /// of the waiting list.
    private func transmit(_ index: Int, now: UInt64, send: (UnsafeRawBufferPointer) -> Void) {
        let state = states[index]
        let identity = SubscriberIdentity(index)
        let spec: DHCPv4QuerySpec
        switch state.phase {
        case .idle: return
        case .informing:
            send(builder.informationRequest(subscriber: identity, transactionID: UInt32(index)))
            sent += 1
            return wait(index, now: now)
        case .discovering, .echoing: spec = DHCPv4QuerySpec(type: .discover)
        case .selecting:
            spec = DHCPv4QuerySpec(
                type: .request, requestedAddress: state.offered, serverIdentifier: state.server,
                portParams: state.offeredParams)
        case .renewing:
            spec = DHCPv4QuerySpec(type: .request, ciaddr: state.held, portParams: state.heldParams, unicast: true)
        case .rebooting:
            spec = DHCPv4QuerySpec(type: .request, requestedAddress: state.held, portParams: state.heldParams)
        }
        send(
            builder.dhcpv4Query(
                spec, subscriber: identity, transactionID: identity.transactionID(sequence: state.sequence)))
        sent += 1
        wait(index, now: now)
    }

    private func finish(_ index: Int, now: UInt64) {
        completed += 1
        exchangeLatency.recordClamped(now &- states[index].exchangeStart)
        if states[index].scenario == .renew {
            renewalsCompleted += 1
            renewLatency.recordClamped(now &- states[index].exchangeStart)
        }
        end(index)
    }

    private func fail(_ index: Int, _ kind: PerfError) {
        record(kind)
        failed += 1
        if states[index].scenario == .renew { renewalsFailed += 1 }
        // A renewal that failed leaves the subscriber to its next renewal; a failed DORA starts over.
        guard settings.restartAfterFailure, states[index].scenario != .renew else { return end(index) }
        waiting.remove(index)
        states[index].phase = .idle
        active -= 1
        failedSubscribers.push(index)
    }

    private func end(_ index: Int) {
        waiting.remove(index)
        states[index].phase = .idle
        active -= 1
        if recycle { idleSubscribers.push(index) }
    }

    // MARK: The waiting wheel.

    private func wait(_ index: Int, now: UInt64) {
        waiting.remove(index)
        states[index].sentAt = now
        let timeout = settings.timeout(retry: Int(states[index].retries), random: random.next())
        waiting.insert(index, deadline: now &+ timeout, now: now)
    }
}

extension Histogram<UInt64> {
    /// Records `value`, clamped to the trackable range (a reply after 100 s still counts).
    mutating func recordClamped(_ value: UInt64) {
        _ = record(Swift.min(Swift.max(value, 1), highestTrackableValue))
    }
}
