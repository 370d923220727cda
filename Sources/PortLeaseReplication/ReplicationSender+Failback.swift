import LeaseLog
import NIOCore
import PortLeaseConfiguration

/// The active's side of failing a pool group back (`Docs/Redundancy.md`, "Failing back"): an
/// operator's request (``FailbackDesk``) asks the standby that took the `yielded` group over
/// for its live leases there; this connection collects them, applies them as a snapshot of the
/// group's pools (its own leases there that the standby does not hold end, the standby's are
/// taken), durably, then serves the group again and tells the standby, which then follows it.
extension ReplicationSender {
    /// The standby's leases handed back so far, per shard, for the request under way.
    struct HandBack {
        var records: [[LeaseRecord]]
        var count = 0

        init(shards: Int) { records = Array(repeating: [], count: shards) }
    }

    /// The most leases one failback takes: they are held in memory until all have come (a
    /// partner cannot make this one hold more).
    static let handBackLimit = 8_000_000

    /// Takes `frame` if it belongs to a failback from `partner` (its leases, their end, or its
    /// refusal); returns whether it did. A frame of a failback that was not asked for, or a
    /// failure to apply the leases, ends the link: the standby then serves the groups again.
    func takeFailbackFrame(
        _ frame: ReplicationFrame, from partner: String, groups: [ServerConfiguration.Redundancy.PoolGroup],
        outbound: NIOAsyncChannelOutboundWriter<ReplicationFrame>, inbox: inout HandBack
    ) async throws -> Bool {
        switch frame {
        case .handBack(let shard, let bytes):
            guard failbacks.pending(partner) != nil, shard < inbox.records.count else {
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
            guard let asked = failbacks.pending(partner), Set(asked) == Set(names) else {
                throw ReplicationLink.Failure("\(partner) ended a hand-back of \(names) unasked")
            }
            let records = inbox.records
            inbox = HandBack(shards: inbox.records.count)
            let taken = groups.filter { names.contains($0.name) }
            do {
                try await takeBack(taken, records: records, from: partner)
                // Told before this instance serves: a link that ended already leaves the groups
                // yielded here (the standby serves them again). One that ends just after leaves
                // both serving, as in a split network (`PoolGroupRoles`), until the reconnect's
                // `takenOver` yields them here again: the command then says it failed.
                try await outbound.write(.failbackDone(groups: names))
                for group in taken { activate(group, because: "failed back: its standby handed its leases back") }
                failbacks.finish(partner, .success(()))
            } catch {
                failbacks.finish(partner, .failure(error))
                throw error
            }
        case .refuse(let reason):
            guard failbacks.pending(partner) != nil else { return false }
            failbacks.finish(partner, .failure(FailbackDesk.Refusal("\(partner) refused: \(reason)")))
        default:
            return false
        }
        return true
    }

    /// Applies the standby's live leases of `groups` (per shard) as a snapshot of their pools, durably.
    private func takeBack(
        _ groups: [ServerConfiguration.Redundancy.PoolGroup], records: [[LeaseRecord]], from partner: String
    ) async throws {
        let pools = Set(groups.flatMap { $0.pools + $0.standbyPools })
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
}
