import LeaseLog
import NIOCore
import PortLeaseConfiguration
import PortLeaseServer
import Synchronization

/// The active's side of failing a pool group back (`Docs/Redundancy.md`, "Failing back"): an
/// operator's request (``FailbackDesk``) asks the standby that took the `yielded` group over
/// for its live leases there; this connection collects them and applies them as a snapshot of
/// the group's pools (its own leases there that the standby does not hold end, the standby's
/// are taken), durably, then tells the standby, and serves the group once the standby answers
/// that it follows it again.
extension ReplicationSender {
    /// A failback under way on one connection: the leases handed back so far, per shard, and
    /// (shared with the task that applies them) the groups being applied or, once applied,
    /// waiting for the standby's word.
    struct HandBack {
        var records: [[LeaseRecord]]
        var count = 0
        let applying = Applying()

        init(shards: Int) { records = Array(repeating: [], count: shards) }

        /// Forgets the leases collected so far.
        mutating func clear() {
            records = Array(repeating: [], count: records.count)
            count = 0
        }
    }

    /// The groups whose handed-back leases are being applied (by the task numbered `id`), and
    /// whether they are.
    final class Applying: Sendable {
        let state = Mutex<(id: UInt64, groups: [String], applied: Bool)?>(nil)
        private let next = Atomic<UInt64>(0)

        /// Starts applying `groups`; returns the applying task's number.
        func begin(_ groups: [String]) -> UInt64 {
            let id = next.add(1, ordering: .relaxed).newValue
            state.withLock { $0 = (id, groups, false) }
            return id
        }

        /// Marks task `id`'s groups applied; false when its request ended meanwhile.
        func applied(_ id: UInt64) -> Bool {
            state.withLock { state in
                guard state?.id == id else { return false }
                state?.applied = true
                return true
            }
        }

        /// Forgets task `id`'s groups, if still current.
        func end(_ id: UInt64) {
            state.withLock { state in if state?.id == id { state = nil } }
        }
    }

    /// The most leases one failback takes: they are held in memory until all have come (a
    /// partner cannot make this one hold more).
    static let handBackLimit = 8_000_000

    /// Takes `frame` if it belongs to a failback from `partner` (its leases, their end, its
    /// word that it follows again, or its refusal); returns whether it did. A frame of a failback
    /// that was not asked for, or a failure to apply the leases, ends the link: the standby
    /// then serves the groups again.
    func takeFailbackFrame(
        _ frame: ReplicationFrame, from partner: String, groups: [ServerConfiguration.Redundancy.PoolGroup],
        outbound: NIOAsyncChannelOutboundWriter<ReplicationFrame>, inbox: inout HandBack
    ) async throws -> Bool {
        switch frame {
        case .handBack(let shard, let bytes):
            guard failbacks.pending(partner) != nil, inbox.applying.state.withLock({ $0 == nil }),
                shard < inbox.records.count
            else {
                throw ReplicationLink.Failure("\(partner) handed leases back unasked")
            }
            let records = try bytes.withUnsafeBytes { (raw) throws -> [LeaseRecord] in try RecordBytes.decode(raw) }
            inbox.count += records.count
            guard inbox.count <= Self.handBackLimit else {
                let failure = ReplicationLink.Failure(
                    "\(partner) hands back more than \(Self.handBackLimit) leases, the most one failback takes")
                failbacks.finish(partner, .failure(failure))
                throw failure
            }
            inbox.records[shard] += records
        case .handedBack(let names):
            guard let asked = failbacks.pending(partner), Set(asked) == Set(names),
                inbox.applying.state.withLock({ $0 == nil })
            else {
                throw ReplicationLink.Failure("\(partner) ended a hand-back of \(names) unasked")
            }
            let records = inbox.records
            inbox.clear()
            let applying = inbox.applying
            let id = applying.begin(names)
            // In a task of its own: this loop goes on reading the standby's acknowledgements,
            // which the replies of other pools wait for (synchronous mode).
            let taken = groups.filter { names.contains($0.name) }
            Task(executorPreference: globalConcurrentExecutor) {
                do {
                    if self.server.settings.injectedFault == .slowTakeBack {
                        self.logger.warning("failback: waiting before applying the standby's leases (injected fault)")
                        try await Task.sleep(for: .seconds(InjectedFault.slowTakeBackSeconds))
                    }
                    try await self.takeBack(taken, records: records, from: partner)
                    // Refused meanwhile (the standby gave up): it is not told, and serves.
                    guard applying.applied(id) else { return }
                    try await outbound.write(.failbackDone(groups: names))
                } catch {
                    applying.end(id)
                    self.failbacks.finish(partner, .failure(error))
                    // The standby serves the groups again on this word (or when the link ends).
                    try? await outbound.write(.refuse(reason: "the leases could not be applied here: \(error)"))
                }
            }
        case .failbackDone(let names):
            // The standby forgot its takeover and follows the groups: serve them.
            let confirmed = inbox.applying.state.withLock { state -> Bool in
                guard let applying = state, applying.applied, Set(applying.groups) == Set(names) else { return false }
                state = nil
                return true
            }
            guard confirmed else {
                throw ReplicationLink.Failure("\(partner) confirmed a failback of \(names) unasked")
            }
            for group in groups where names.contains(group.name) {
                activate(group, because: "failed back: its standby handed its leases back and follows it")
            }
            failbacks.finish(partner, .success(()))
        case .refuse(let reason):
            guard failbacks.pending(partner) != nil else {
                // A second word about a failback already ended (the standby gave it up, then
                // refused the late `failbackDone`).
                logger.info(
                    "a refusal of an ended failback", metadata: ["partner": "\(partner)", "reason": "\(reason)"])
                return true
            }
            inbox.clear()
            inbox.applying.state.withLock { $0 = nil }
            failbacks.finish(partner, .failure(FailbackDesk.Refusal("\(partner) refused: \(reason)")))
        default:
            return false
        }
        return true
    }

    /// Applies the standby's live leases of `groups` (per shard) as a snapshot of their pools,
    /// durably. Each shard's change runs through appliers of its own, so failbacks from two
    /// standbys at once do not share what waits.
    private func takeBack(
        _ groups: [ServerConfiguration.Redundancy.PoolGroup], records: [[LeaseRecord]], from partner: String
    ) async throws {
        let pools = Set(groups.flatMap { $0.pools + $0.standbyPools })
        let membership = PoolMembership(pools: pools, engine: server.workers[0].engine)
        for record in records.joined() {
            guard record.event == .bind || record.event == .renew || record.event == .decline,
                membership.contains(record.address)
            else {
                throw ReplicationLink.Failure(
                    "\(partner) handed back a \(record.event) record of \(record.address), not a lease of \(groups.map(\.name))"
                )
            }
        }
        let appliers = server.workers.map { ReplicaApplier(shard: $0.shard, worker: $0) }
        var tickets: [ReplicaApplier.Ticket] = []
        for (shard, applier) in appliers.enumerated() {
            tickets.append(try await applier.enqueueSnapshot(records[shard], resetting: pools))
        }
        var outcomes: [ReplicaApplier.Outcome] = []
        for ticket in tickets { outcomes.append(try await ticket.outcome()) }
        // A lease may wait for a port set that another shard's reset freed after it ran: now
        // that every shard has reset, it is free.
        for _ in 0..<8 where outcomes.contains(where: { $0.waiting > 0 }) {
            for shard in outcomes.indices where outcomes[shard].waiting > 0 {
                outcomes[shard] = try await appliers[shard].enqueue([]).outcome()
            }
        }
        let waiting = outcomes.reduce(0) { $0 + $1.waiting }
        guard waiting == 0 else {
            throw ReplicationLink.Failure(
                "\(waiting) of the leases \(partner) handed back wait for a port set held here by another client: "
                    + "the groups stay yielded")
        }
        logger.notice(
            "pool groups' leases taken back from their standby",
            metadata: [
                "groups": "\(groups.map(\.name))", "standby": "\(partner)",
                "leases": "\(records.reduce(0) { $0 + $1.count })",
            ])
    }

    /// `"failback-after"`: every `after` milliseconds while the connection lasts, fails back
    /// those of `groups` that are yielded (their standby took them over), as the command would.
    /// Never returns: the connection's tasks end together.
    func failBackByItself(_ groups: [ServerConfiguration.Redundancy.PoolGroup], after: Int) async throws {
        while true {
            try await Task.sleep(for: .milliseconds(after))
            for group in groups where status.state(of: group.name) == .yielded {
                try Task.checkCancellation()
                do {
                    _ = try await failbacks.failBack(group.name)
                    logger.notice(
                        "pool group failed back by itself (failback-after)", metadata: ["group": "\(group.name)"])
                } catch {
                    logger.warning(
                        "automatic failback not done; tried again in failback-after",
                        metadata: ["group": "\(group.name)", "reason": "\(error)"])
                }
            }
        }
    }
}
