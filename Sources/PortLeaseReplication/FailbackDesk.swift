import NIOCore
import PortLeaseConfiguration
import Synchronization

/// Where an operator's failback request (`POST /v1/redundancy/failback`, `portlease failback`)
/// meets the replication link to the standby that took the groups over.
///
/// The configured active of a `yielded` group asks that standby for its leases there over
/// the link it streams on (``ReplicationFrame/failback(groups:)``); the sender's connection
/// applies what comes back and serves the groups again, then completes the request here. One
/// request per standby at a time. Only the control API's task waits here; the link's tasks
/// never do.
public final class FailbackDesk: Sendable {
    /// Why a failback was not done, for the operator: the groups stay as they were.
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    private struct Link {
        var outbound: NIOAsyncChannelOutboundWriter<ReplicationFrame>?
        /// What this instance has committed of each shard now.
        var committed: @Sendable () -> [UInt64] = { [] }
        /// The groups of the request under way, from when it is sent until it ends.
        var underWay: [String]?
        /// The operator's request waiting for it (gone when the request stopped waiting).
        var waiter: CheckedContinuation<Void, any Error>?
    }

    private let configuration: ServerConfiguration.Redundancy
    private let status: RedundancyStatus
    private let links = Mutex<[String: Link]>([:])

    /// How long a request waits for the standby's leases to be applied here before the API
    /// answers; the failback itself goes on (`GET /v1/status` shows when it is done).
    static let answerWithinSeconds = 120

    public init(configuration: ServerConfiguration.Redundancy, status: RedundancyStatus) {
        self.configuration = configuration
        self.status = status
    }

    /// Fails back group `name`, or every `yielded` group this instance is the active of when
    /// nil; returns the groups served again. Throws the reason when a group cannot be (it is
    /// not yielded, its standby is not connected, the standby refused, the link ended).
    public func failBack(_ name: String?) async throws(Refusal) -> [String] {
        let groups = try chosen(name)
        var done: [String] = []
        for standby in Set(groups.map(\.standby)).sorted() {
            let names = groups.filter { $0.standby == standby }.map(\.name)
            do {
                try await request(names, from: standby)
            } catch let refusal as Refusal {
                throw Refusal(done.isEmpty ? refusal.description : "\(refusal) (failed back already: \(done))")
            } catch {
                throw Refusal("\(error)")
            }
            done += names
        }
        return done
    }

    /// The groups a request for `name` (nil: all) covers.
    private func chosen(_ name: String?) throws(Refusal) -> [ServerConfiguration.Redundancy.PoolGroup] {
        let active = configuration.activeGroups
        guard let name else {
            let yielded = active.filter { status.state(of: $0.name) == .yielded }
            guard !yielded.isEmpty else {
                throw Refusal("no pool group is yielded on \(configuration.instance): there is nothing to fail back")
            }
            return yielded
        }
        guard let group = active.first(where: { $0.name == name }) else {
            throw Refusal("\(configuration.instance) is not the active of a pool group named \(name)")
        }
        guard let state = status.state(of: name), state == .yielded else {
            throw Refusal(
                "pool group \(name) is \(status.state(of: name)?.rawValue ?? "unknown") on \(configuration.instance), "
                    + "not yielded: there is nothing to fail back")
        }
        return [group]
    }

    /// Sends the request for `names` to `standby` and waits until the connection has served
    /// them again, or failed, or ``answerWithinSeconds`` passed.
    private func request(_ names: [String], from standby: String) async throws {
        // The link's writer and committed positions, or why there is none to ask over.
        let taken: Result<Link, Refusal> = links.withLock { links in
            guard let link = links[standby], link.outbound != nil else {
                return .failure(
                    Refusal(
                        "the replication link to \(standby), which serves the groups, is down: "
                            + "it must be up for their leases to come back"))
            }
            guard link.underWay == nil else {
                return .failure(Refusal("a failback from \(standby) is already under way"))
            }
            links[standby]?.underWay = names
            return .success(link)
        }
        let link = try taken.get()
        let (outbound, committed) = (link.outbound!, link.committed)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                try await withTaskCancellationHandler {
                    try await withCheckedThrowingContinuation { continuation in
                        // Not installed once cancelled: `onCancel` may have run already and
                        // found nothing to resume (the flag is set before it runs).
                        let early = self.links.withLock { links -> (any Error)? in
                            if Task.isCancelled { return CancellationError() }
                            guard links[standby]?.underWay == names else {
                                return Refusal("the replication link to \(standby) ended")
                            }
                            links[standby]?.waiter = continuation
                            return nil
                        }
                        if let early {
                            continuation.resume(throwing: early)
                            return
                        }
                        // Sent once the waiter is in place, so no answer can come before it; a
                        // write that fails ends the link, which fails the request.
                        let through = committed()
                        Task { try? await outbound.write(.failback(groups: names, through: through)) }
                    }
                } onCancel: {
                    self.links.withLock { links in
                        defer { links[standby]?.waiter = nil }
                        return links[standby]?.waiter
                    }?.resume(throwing: CancellationError())
                }
            }
            tasks.addTask {
                try await Task.sleep(for: .seconds(Self.answerWithinSeconds))
                throw Refusal(
                    "\(standby) has not handed \(names) back within \(Self.answerWithinSeconds) s; "
                        + "the failback may still finish (see GET /v1/status)")
            }
            defer { tasks.cancelAll() }
            try await tasks.next()
        }
    }

    // The connection's side.

    /// The link to `standby` is up: requests go through `outbound`, naming what `committed`
    /// says this instance has committed then.
    func connected(
        _ standby: String, _ outbound: NIOAsyncChannelOutboundWriter<ReplicationFrame>,
        committed: @escaping @Sendable () -> [UInt64]
    ) {
        links.withLock { $0[standby] = Link(outbound: outbound, committed: committed) }
    }

    /// The link to `standby` ended: a request under way fails.
    func disconnected(_ standby: String) {
        finish(standby, .failure(Refusal("the replication link to \(standby) ended before the failback finished")))
        links.withLock { $0[standby] = nil }
    }

    /// The groups a request to `standby` under way covers; nil when none is.
    func pending(_ standby: String) -> [String]? {
        links.withLock { $0[standby]?.underWay }
    }

    /// Ends the request to `standby` under way, if any.
    func finish(_ standby: String, _ result: Result<Void, any Error>) {
        let waiter = links.withLock { links in
            defer {
                links[standby]?.waiter = nil
                links[standby]?.underWay = nil
            }
            return links[standby]?.waiter
        }
        waiter?.resume(with: result)
    }
}
