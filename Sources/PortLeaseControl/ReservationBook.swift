import LeaseEngine
import LeaseLog
import PortLeaseConfiguration
import PortLeaseServer
import PortLeaseSystem
import PortLeaseWire
import PortSetPool

/// The reservations of a running server, and the one place that changes them (the control
/// API's `POST` and `DELETE /v1/reservations`), one change at a time.
///
/// A reservation lives in three places: its slots are taken in the shared pool (once), every
/// shard's engine knows it (so its owner is offered it, and its slots never go back to the
/// pool), and `reservations.json` keeps the ones made here across restarts. A change is
/// ordered so that a failure part way leaves nothing half-applied:
///
/// - **add:** check it (pool, lengths, reserved ports, overlaps, one per owner); take its
///   slots (if another client holds them: refused with the holder named, unless `force`);
///   store the file; tell every shard in two steps: first to keep the slots reserved (so the
///   holder, if any, keeps them until ended, and no one else can come to hold them), then to
///   offer them. With `force`, the holder's lease is then ended (a `forcedRelease` record,
///   durable before the answer); a subscriber's holder is recorded as such before any shard
///   offers it, so that a client of the subscriber asking meanwhile takes it over.
/// - **remove:** store the file; tell every shard in two steps (offer it no more, then keep it
///   reserved no more); give the slots back unless a client holds them now (then its lease
///   ends as any other) or a shard holds them in decline quarantine.
public actor ReservationBook {
    /// Where a reservation was made.
    public enum Source: String, Sendable {
        case configuration, api
    }

    private let server: Server
    /// The configuration file's reservations: read-only here.
    private let configured: [Reservation]
    /// The ones made through the API, as `reservations.json` holds them.
    private var stored: [Reservation]
    /// The lease-log directory, which holds `reservations.json`.
    private let directory: String
    /// A change under way, and the requests waiting for it: the actor lets another request in
    /// at each `await` (a shard's answer), so changes take turns explicitly.
    private var changing = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public init(server: Server, configured: [Reservation], stored: [Reservation], directory: String) {
        self.server = server
        self.configured = configured
        self.stored = stored
        self.directory = directory
    }

    /// Every reservation, by address.
    public func list() throws(APIError) -> ReservationList {
        let (pools, bindings) = try current()
        let all = configured.map { ($0, Source.configuration) } + stored.map { ($0, Source.api) }
        return ReservationList(
            reservations: all.sorted { ($0.0.address.value, $0.0.psid) < ($1.0.address.value, $1.0.psid) }.map {
                ReservationDocument($0.0, pool: pools[Int(bindings[$0.0.owner]!.pool)], source: $0.1)
            })
    }

    /// Reserves `reservation`; with `force`, ends another client's lease on its port set.
    public func add(_ reservation: Reservation, force: Bool) async throws(APIError) -> ReservationChange {
        await beginChange()
        defer { endChange() }
        guard let pools = server.poolWatch?.pools else { throw Self.notStarted }
        let policies = server.settings.engine.pools
        if let existing = (configured + stored).first(where: { $0.owner == reservation.owner }) {
            throw APIError(
                .conflict, field: Self.field(reservation.owner),
                reason: "\(reservation.owner) already has a reservation: \(existing)")
        }
        let binding = try Self.check(configured + stored + [reservation], reservation, server: server, pools: pools)
        let pool = pools[Int(binding.pool)]
        var claimed = try Self.claim(binding, in: pool)
        if !claimed && !force {
            // Who holds it? Only its owner may (the reservation then takes over its lease). The
            // holder of a subscriber's reservation cannot be told to be the subscriber's own.
            let holder = try await holder(of: binding)
            if holder == nil { claimed = try Self.claim(binding, in: pool) }
            if let holder, holder != reservation.client {
                throw APIError(
                    .conflict, field: "address",
                    reason:
                        "\(Self.describe(binding)) is held by \(holder); add with force (--force, \"force\": true) to end that lease"
                )
            }
            if holder == nil && !claimed {
                throw APIError(
                    .conflict, field: "address",
                    reason: "\(Self.describe(binding)) is in use (declined and in quarantine, or changing hands); "
                        + "try again, or add with force (--force, \"force\": true)")
            }
        }
        try store(stored + [reservation], undo: { if claimed { try? pool.release(binding.portSet) } })
        let subscriber = reservation.client == nil
        var holder: ClientKey?
        do throws(APIError) {
            // Every shard keeps the slots reserved before any offers them: from then on the
            // holder (if the slots were not free) keeps them until it is ended, and no one else
            // can come to hold them.
            try await everyShard { engine in engine.reserveBinding(binding, forSubscriber: subscriber) }
            if !claimed { claimed = try Self.claim(binding, in: pool) }
            if !claimed { holder = try await self.holder(of: binding) }
            if subscriber, let holder, let holders = server.workers.first?.engine.holders {
                _ = holders.adopt(binding, by: holder)
            }
            try await everyShard { engine in engine.addReservation(reservation, binding: binding) }
        } catch {
            try? store(stored, undo: {})
            try? await retire(reservation.owner, binding, release: claimed)
            throw error
        }
        stored.append(reservation)
        var released: [String] = []
        if let holder, holder != reservation.client, try await end(holder, on: binding) {
            released.append("\(holder)")
        }
        return ReservationChange(
            reservation: ReservationDocument(reservation, pool: policies[Int(binding.pool)], source: .api),
            released: released)
    }

    /// Removes the reservation of `owner` made through the API.
    public func remove(_ owner: Reservation.Owner) async throws(APIError) -> ReservationChange {
        await beginChange()
        defer { endChange() }
        let (policies, bindings) = try current()
        guard let reservation = stored.first(where: { $0.owner == owner }), let binding = bindings[owner] else {
            if let configured = configured.first(where: { $0.owner == owner }) {
                throw APIError(
                    .conflict, field: Self.field(owner),
                    reason: "\(configured) is in the configuration file: remove it there and restart")
            }
            throw APIError(.notFound, field: Self.field(owner), reason: "\(owner) has no reservation")
        }
        let remaining = stored.filter { $0.owner != owner }
        try store(remaining, undo: {})
        stored = remaining
        try await retire(owner, binding, release: true)
        return ReservationChange(
            reservation: ReservationDocument(reservation, pool: policies[Int(binding.pool)], source: .api),
            released: [])
    }

    /// Takes `owner`'s reservation of `binding` out of every shard: first no shard offers it, then
    /// no shard keeps it reserved (a shard that forgot it while another still offered it could
    /// free its slots under a new holder). With `release`, its slots then go back to the pool
    /// unless a client holds them (they go back when that lease ends) or a shard holds them in
    /// decline quarantine (they go back when that ends).
    private func retire(_ owner: Reservation.Owner, _ binding: Binding, release: Bool) async throws(APIError) {
        try await everyShard { engine in engine.stopOffering(owner) }
        try await everyShard { engine in engine.removeReservation(of: owner, binding: binding) }
        guard release else { return }
        let workers = server.workers
        for worker in workers where try await LeaseLookup.ask(worker, { $0.isQuarantined(binding) }) { return }
        // A client's lease is on its own shard; a subscriber's holder is recorded for all.
        let shard = owner.client.map { ShardChoice.shard(of: $0, shardCount: workers.count) } ?? 0
        _ = try await LeaseLookup.ask(workers[shard]) { engine in engine.releaseIfUnheld(binding, by: owner) }
    }

    // MARK: - Steps

    /// Waits until no other change is under way, then starts one.
    private func beginChange() async {
        guard changing else {
            changing = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Ends a change: the next waiting one starts (the flag stays set for it).
    private func endChange() {
        if waiting.isEmpty { changing = false } else { waiting.removeFirst().resume() }
    }

    /// The pools' policies and every reservation's binding.
    private func current() throws(APIError) -> ([PoolPolicy], [Reservation.Owner: Binding]) {
        guard let pools = server.poolWatch?.pools else { throw Self.notStarted }
        do throws(EngineError) {
            let bindings = try LeaseEngine.validate(
                configured + stored, configuration: server.settings.engine, pools: pools)
            return (server.settings.engine.pools, bindings)
        } catch {
            throw APIError(.internalServerError, reason: "the reservations in force do not check: \(error)")
        }
    }

    /// The binding of `reservation`, checked with every other reservation against the pools.
    private static func check(
        _ all: [Reservation], _ reservation: Reservation, server: Server, pools: [PortSetPool]
    ) throws(APIError) -> Binding {
        do throws(EngineError) {
            return try LeaseEngine.validate(all, configuration: server.settings.engine, pools: pools)[
                reservation.owner]!
        } catch {
            guard case .invalidReservation(_, let reason) = error else {
                throw APIError(.badRequest, reason: "\(error)")
            }
            // A well-formed request the server's pools or reservations cannot take: 409.
            throw APIError(
                .conflict, field: reason.contains("PSID") ? "psid-length" : "address",
                reason: "\(reservation): \(reason)")
        }
    }

    /// Takes `binding`'s slots in `pool`; false when they are taken. A port set on the pool's
    /// reserved ports is refused.
    private static func claim(_ binding: Binding, in pool: PortSetPool) throws(APIError) -> Bool {
        do throws(PoolError) {
            return try pool.claim(binding.portSet)
        } catch {
            if case .reservedPortSet = error {
                throw APIError(
                    .conflict, field: "psid", reason: "\(describe(binding)) includes the pool's reserved ports")
            }
            throw APIError(.conflict, field: "address", reason: "\(describe(binding)): \(error)")
        }
    }

    /// Writes `list` to `reservations.json`; on failure runs `undo` and refuses with 500.
    private func store(_ list: [Reservation], undo: () -> Void) throws(APIError) {
        do throws(LeaseLogError) {
            try ReservationFile.store(list, directory: directory)
        } catch {
            undo()
            throw APIError(
                .internalServerError,
                reason: "cannot store \(ReservationFile.fileName) in \(directory): \(error); nothing was changed")
        }
    }

    /// Slots of a shard's table searched per step of a holder search.
    static let searchStep = 65_536

    /// The client holding `binding` now, on whatever shard: each shard's table searched in
    /// steps, one job each, so that the workers serve their queries in between.
    private func holder(of binding: Binding) async throws(APIError) -> ClientKey? {
        for worker in server.workers {
            var start: Int? = 0
            while let from = start {
                let (found, next) = try await LeaseLookup.ask(worker) { engine in
                    engine.holder(of: binding, scanningFrom: from, count: Self.searchStep)
                }
                if let found { return found }
                start = next
            }
        }
        return nil
    }

    /// Runs `job` on every shard's worker, retrying a full queue for up to two seconds.
    private func everyShard(_ job: @escaping @Sendable (LeaseEngine) -> Void) async throws(APIError) {
        for worker in server.workers {
            var attempts = 0
            while true {
                do throws(APIError) {
                    try await LeaseLookup.ask(worker, job)
                    break
                } catch {
                    attempts += 1
                    if attempts >= 20 { throw error }
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
        }
    }

    /// Ends `holder`'s lease on `binding`, now reserved for someone else (the slots stay
    /// reserved): its shard writes a `forcedRelease` record. True once that is durable; false
    /// when the holder no longer held it.
    private func end(_ holder: ClientKey, on binding: Binding) async throws(APIError) -> Bool {
        let workers = server.workers
        let worker = workers[ShardChoice.shard(of: holder, shardCount: workers.count)]
        let ended: Bool? = await withCheckedContinuation { continuation in
            let change = ControlQueue.Change(
                apply: { engine, records in
                    let ended = engine.yieldReservation(
                        binding, heldBy: holder, now: SystemClock.wallClockMilliseconds(), records: &records)
                    guard !records.isEmpty else {
                        continuation.resume(returning: ended)
                        return nil
                    }
                    return { durable in continuation.resume(returning: durable ? ended : nil) }
                },
                refuse: { continuation.resume(returning: nil) })
            if !worker.submitChange(change) { continuation.resume(returning: nil) }
        }
        guard let ended else {
            throw APIError(
                .serviceUnavailable,
                reason: "the reservation is made, but shard \(worker.shard) could not end the lease of \(holder) "
                    + "on it yet; that client's next renewal is NAKed")
        }
        return ended
    }

    /// The request field that names `owner`.
    static func field(_ owner: Reservation.Owner) -> String {
        owner.client == nil ? "subscriber" : "client"
    }

    private static func describe(_ binding: Binding) -> String {
        binding.psidLength == 0 ? "\(binding.address)" : "\(binding.address) psid \(binding.psid)/\(binding.psidLength)"
    }

    private static let notStarted = APIError(.serviceUnavailable, reason: "the server is starting; try again")
}
