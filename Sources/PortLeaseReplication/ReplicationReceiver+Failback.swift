import LeaseLog
import NIOCore
import PortLeaseConfiguration
import PortLeaseControlPlane
import PortLeaseServer
import PortLeaseSystem
import Synchronization

/// The standby's side of failing a pool group back (`Docs/Redundancy.md`, "Failing back"):
/// asked by the group's configured active (`failback`), it goes silent for the group
/// (`handing-back`), waits until it has everything the active had committed and everything it
/// decided itself is durable, and sends its live leases in the group's pools and reserve
/// (``ReplicationFrame/handBack(shard:bytes:)``, then ``ReplicationFrame/handedBack(groups:)``).
/// Once the active says it has them durably (``ReplicationFrame/failbackDone(groups:)``), the
/// standby forgets its takeover, follows the group again, and says so. Should the link end,
/// or the active fall silent, before that, it serves the group again (`partner-down`).
///
/// The hand-back runs beside the frame loop, which goes on reading and acknowledging.
extension ReplicationReceiver {
    /// Groups being failed back to their active, silent here meanwhile: by which request (a
    /// token), on which connection, where to tell the active should it be given up, and whether
    /// their leases were sent.
    final class HandingBack: Sendable {
        struct Entry: Sendable {
            var token: UInt64
            var link: ObjectIdentifier
            var outbound: NIOAsyncChannelOutboundWriter<ReplicationFrame>
            var sent = false
        }
        private let groups = Mutex<(entries: [String: Entry], next: UInt64)>(([:], 0))

        /// Starts the hand-back of `names`; returns the request's token.
        func begin(
            _ names: [String], on link: ObjectIdentifier, outbound: NIOAsyncChannelOutboundWriter<ReplicationFrame>
        ) -> UInt64 {
            groups.withLock { state in
                state.next += 1
                for name in names { state.entries[name] = Entry(token: state.next, link: link, outbound: outbound) }
                return state.next
            }
        }

        /// Marks `names`' leases as about to be sent by request `token`; false when it was given
        /// up meanwhile (an entry is gone, or belongs to another request): nothing may be sent.
        func markSent(_ names: [String], token: UInt64) -> Bool {
            groups.withLock { state in
                guard names.allSatisfy({ state.entries[$0]?.token == token }) else { return false }
                for name in names { state.entries[name]?.sent = true }
                return true
            }
        }

        /// Ends `name`'s hand-back, if one is under way (on connection `link`, when given).
        func end(_ name: String, on link: ObjectIdentifier? = nil) -> Entry? {
            groups.withLock { state in
                guard let entry = state.entries[name], link == nil || entry.link == link else { return nil }
                state.entries[name] = nil
                return entry
            }
        }
    }

    /// How long the standby waits to have everything the active had committed at its request.
    static let failbackCatchUpSeconds = 30

    /// Answers `instance`'s request to fail `names` back: checks it (or refuses with why), goes
    /// silent for the groups, and hands their leases back from a task of its own.
    func handBack(
        _ names: [String], through: [UInt64], to instance: String,
        outbound: NIOAsyncChannelOutboundWriter<ReplicationFrame>, link: ObjectIdentifier
    ) async throws {
        let followed = groups(followedFrom: instance)
        let requested = followed.filter { names.contains($0.name) }
        if let refusal = failbackRefusal(names, through: through, followed: followed.map(\.name)) {
            logger.warning("failback refused", metadata: ["partner": "\(instance)", "reason": "\(refusal)"])
            try await outbound.write(.refuse(reason: refusal))
            return
        }
        let token = handingBack.begin(names, on: link, outbound: outbound)
        for group in requested { status.enter(.handingBack, for: group, on: server) }
        logger.notice(
            "handing pool groups back to their active: silent for them until it serves",
            metadata: ["groups": "\(names)", "active": "\(instance)"])
        Task(executorPreference: globalConcurrentExecutor) {
            do {
                try await self.sendLeases(
                    of: requested, through: through, to: instance, outbound: outbound, token: token)
            } catch {
                // Given up (here, or meanwhile for silence): the active's request ends either way.
                let reason = "the hand-back failed here: \(error)"
                self.abandonHandBack(names, from: instance, on: link, because: reason)
                try? await outbound.write(.refuse(reason: reason))
            }
        }
    }

    /// Waits until this instance has `through` of each of the active's shards (nothing waiting)
    /// and all it decided itself is durable, then sends the live leases of `groups`' pools.
    private func sendLeases(
        of groups: [ServerConfiguration.Redundancy.PoolGroup], through: [UInt64], to instance: String,
        outbound: NIOAsyncChannelOutboundWriter<ReplicationFrame>, token: UInt64
    ) async throws {
        let names = groups.map(\.name)
        let deadline = SystemClock.monotonicNanoseconds() + UInt64(Self.failbackCatchUpSeconds) * 1_000_000_000
        while zip(positions.positions(of: instance), through).contains(where: { $0 < $1 }) {
            guard SystemClock.monotonicNanoseconds() < deadline else {
                throw ReplicationLink.Failure(
                    "it did not get all the active had committed (\(through)) within \(Self.failbackCatchUpSeconds) s; "
                        + "it has \(positions.positions(of: instance))")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        // The batches that granted leases here before the groups fell silent: durable now.
        var barriers: [ReplicaApplier.Ticket] = []
        for applier in appliers { barriers.append(try await applier.enqueueBarrier()) }
        for barrier in barriers { _ = try await barrier.outcome() }
        let membership = PoolMembership(
            pools: Set(groups.flatMap { $0.pools + $0.standbyPools }), engine: server.workers[0].engine)
        // From here the active may log copies of these leases, stale once this instance serves
        // again: its records in these pools are skipped from now on, durably, until the
        // failback ends well (``StaleGrants``).
        guard handingBack.markSent(names, token: token) else {
            throw ReplicationLink.Failure("the failback was given up meanwhile")
        }
        for group in groups {
            try positions.recordHandBack(group.name)
            staleGrants.add(group)
        }
        var sent = 0
        for shard in 0..<appliers.count {
            let directory = ShardLogs.directory(server.settings.leaseLogDirectory, shard: shard)
            let committed = server.committedSequence(shard: shard)
            let records = try SnapshotRecords.live(directory: directory, through: committed) {
                membership.contains($0.address)
            }
            try await outbound.write(records, status: status, countingRecords: false) {
                .handBack(shard: shard, bytes: $0)
            }
            sent += records.count
        }
        try await outbound.write(.handedBack(groups: names))
        logger.notice(
            "pool groups' leases handed back to their active", metadata: ["groups": "\(names)", "records": "\(sent)"])
    }

    /// Why a request from an active to fail `names` back is refused, or nil: each must be one
    /// it is active for here (`followed`) that this instance took over and serves.
    private func failbackRefusal(_ names: [String], through: [UInt64], followed: [String]) -> String? {
        guard !names.isEmpty else { return "the request names no pool group" }
        guard through.count == appliers.count else { return "the request names \(through.count) shards" }
        for name in names {
            guard followed.contains(name) else {
                return "\(configuration.instance) does not follow pool group \(name) from this instance"
            }
            guard let state = status.state(of: name), state == .partnerDown else {
                let now = status.state(of: name)?.rawValue ?? "unknown"
                return "\(configuration.instance) has not taken pool group \(name) over (it is \(now) there): "
                    + "there is nothing to fail back"
            }
        }
        return nil
    }

    /// The active has `names`' leases durably: this instance forgets its takeover of each
    /// (durably, before following it), follows it again, and says so; or refuses, when it
    /// gave the failback up meanwhile (the active fell silent for a while) and serves the
    /// groups itself.
    func finishHandBack(
        _ names: [String], from instance: String, outbound: NIOAsyncChannelOutboundWriter<ReplicationFrame>,
        link: ObjectIdentifier
    ) async throws {
        let groups = groups(followedFrom: instance).filter { names.contains($0.name) }
        let ended = groups.map { handingBack.end($0.name, on: link) }
        var refusal: String?
        if !ended.allSatisfy({ $0?.sent == true }) {
            refusal = "\(configuration.instance) gave the failback of \(names) up meanwhile, and serves them"
        } else {
            do {
                try await withTaskExecutorPreference(globalConcurrentExecutor) {
                    for group in groups { try self.positions.clearTakeover(group.name) }
                }
            } catch {
                refusal = "\(configuration.instance) could not forget its takeover: \(error)"
            }
        }
        if let refusal {
            for (group, end) in zip(groups, ended) where end != nil {
                serveAgain(group, from: instance, because: refusal)
            }
            try await outbound.write(.refuse(reason: refusal))
            return
        }
        staleGrants.forget(names)
        for group in groups {
            status.enter(.standby, for: group, on: server)
            logger.notice(
                "pool group failed back: its active serves it again, this instance follows",
                metadata: ["group": "\(group.name)", "active": "\(instance)"])
        }
        try await outbound.write(.failbackDone(groups: names))
    }

    /// Gives up the hand-back of those of `names` still under way (on connection `link`, when
    /// given: the link ended, or the hand-back failed; any, when the active fell silent): they
    /// are served here again, as before the request (their takeover file is still there).
    /// Returns whether any was under way.
    @discardableResult
    func abandonHandBack(
        _ names: [String], from instance: String, on link: ObjectIdentifier? = nil, because reason: String
    ) -> Bool {
        var any = false
        var told: [NIOAsyncChannelOutboundWriter<ReplicationFrame>] = []
        for group in groups(followedFrom: instance) where names.contains(group.name) {
            guard let ended = handingBack.end(group.name, on: link) else { continue }
            any = true
            serveAgain(group, from: instance, because: reason)
            if link == nil { told.append(ended.outbound) }
        }
        // Given up for silence: the active's request, should its link still carry it, ends too.
        if let outbound = told.first {
            Task {
                try? await outbound.write(.refuse(reason: "\(configuration.instance) gave the failback up: \(reason)"))
            }
        }
        return any
    }

    /// Serves `group` again after a failback that did not end well. Where its leases had been
    /// sent, the old active's records in its pools stay skipped (``StaleGrants``) until a
    /// failback ends well.
    private func serveAgain(
        _ group: ServerConfiguration.Redundancy.PoolGroup, from instance: String, because reason: String
    ) {
        status.enter(.partnerDown, for: group, on: server)
        logger.warning(
            "failback not finished: this instance serves the group again",
            metadata: ["group": "\(group.name)", "active": "\(instance)", "reason": "\(reason)"])
    }
}
