import Glibc
import LeaseEngine
import PortLeaseServer
import PortLeaseWire

/// One input's server: fresh engines and pools, a clock that starts at
/// ``FuzzSetup/startTime`` and moves only when a step says so, and the audit run after
/// every step. Each step is a batch of one, as a shard worker runs it: expiry at the
/// step's time, then the datagram through ``ServerPath``.
public final class EngineRun {
    public let setup: FuzzSetup
    public let path: ServerPath
    public let audit: LeaseAudit
    /// Milliseconds since the epoch.
    public private(set) var now = FuzzSetup.startTime
    /// The datagrams that reached an engine, with their origins (for the end-of-input checks).
    public private(set) var queries: [(payload: [UInt8], origin: DatagramOrigin)] = []
    /// The classifier's clock, milliseconds.
    private let monotonicBase: Int64
    /// `PORTLEASE_FUZZ_TRACE` set: each step prints what happened (for reading a reproducer).
    nonisolated(unsafe) static let tracing = getenv("PORTLEASE_FUZZ_TRACE") != nil

    /// A run of `setup`; with `classifier`, that one (and its DISCOVER rate state) serves
    /// instead of a fresh one, its clock continuing from `monotonicBase`.
    public init(
        _ setup: FuzzSetup, recordCheck: RecordCheck, classifier: Classifier? = nil, monotonicBase: Int64 = 0
    ) {
        self.setup = setup
        path = setup.makePath(classifier: classifier)
        audit = LeaseAudit(path, recordCheck: recordCheck)
        self.monotonicBase = monotonicBase
    }

    /// Moves the clock by `advance` milliseconds, expires, delivers `datagram` from
    /// ``FuzzSetup/origin(_:)`` of `origin`, and audits (unless `audited` is false: a step
    /// replayed exactly as an audited run already took it).
    @discardableResult
    public func step(
        advance: Int64, origin selector: UInt8, datagram: UnsafeRawBufferPointer, audited: Bool = true
    ) -> ServerPath.Delivery {
        now += advance
        path.expire(now: now)
        audit.absorbRecords()
        audit.expired(now: now)
        let origin = FuzzSetup.origin(selector)
        let delivery = path.deliver(
            datagram, origin: origin, now: now, monotonicNow: monotonicBase + now - FuzzSetup.startTime)
        audit.absorbRecords()
        if delivery.outcome != nil { queries.append((Array(datagram), origin)) }
        guard audited else { return delivery }
        audit.checkDelivery(delivery, payload: datagram, origin: origin)
        if Self.tracing {
            print(
                "t+\((now - FuzzSetup.startTime) / 1000)s \(datagram.count) bytes from \(origin.source): "
                    + "\(delivery.decision) \(delivery.outcome.map { "\($0)" } ?? "")")
            fflush(nil)
        }
        audit.checkBindings()
        return delivery
    }

    /// The end-of-input checks: a restart now rebuilds the same leases, and once
    /// everything has run out nothing is left held or counted.
    public func finish() {
        audit.checkRestart(now: now, shards: setup.shards)
        audit.checkDrained(after: now, queries: queries)
    }
}
