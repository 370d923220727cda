import Foundation
import LeaseEngine
import LeaseLog
import PortLeaseControlPlane
import PortLeaseServer
import PortLeaseSystem
import PortLeaseWire

/// Lease lookups by a subscriber key the engines do not keep: `remote-id=`, `subscriber-id=` or
/// `subscriber=` when `limits.subscriber-key` names another (or none).
///
/// An engine's slot keeps only the configured key's hash (48-byte slots), but every bind and
/// renew record in the lease log carries the relay's options and the client's IPv6 address. So
/// each shard's log is read (in place: only the records that show the key, or belong to a client
/// that did, are decoded) for the clients whose latest record shows the key and is a live lease;
/// their shards' engines then confirm that each still holds that binding. A read is the length
/// of the log (`portlease leases --client` reads it the same way; about a second at 10M
/// leases), on a thread of its own at the control plane's priority, so neither the packet path
/// nor the control plane's event loop waits for it.
enum LogSubscriberSearch {
    /// The most clients a search keeps a record of, per shard: a key that matches more (a
    /// short prefix) is refused rather than held in memory (about 200 bytes a client).
    static let maximumClients = 200_000

    /// What is looked for.
    enum Key: Sendable {
        case remoteID([UInt8])
        case subscriberID([UInt8])
        case prefix(IPv6Prefix)

        /// The query parameter that gave it.
        var field: String {
            switch self {
            case .remoteID: "remote-id"
            case .subscriberID: "subscriber-id"
            case .prefix: "subscriber"
            }
        }

        func matches(_ view: RecordView) -> Bool {
            switch self {
            case .remoteID(let bytes): view.remoteIDBytes.map { bytes.elementsEqual($0) } ?? false
            case .subscriberID(let bytes): view.subscriberIDBytes.map { bytes.elementsEqual($0) } ?? false
            case .prefix(let prefix): prefix.contains(view.subscriber)
            }
        }

        func matches(_ record: LeaseRecord) -> Bool {
            switch self {
            case .remoteID(let bytes):
                record.relay.remoteIDBytes.map { $0.withUnsafeBytes { bytes.elementsEqual($0) } } ?? false
            case .subscriberID(let bytes):
                record.relay.subscriberIDBytes.map { $0.withUnsafeBytes { bytes.elementsEqual($0) } } ?? false
            case .prefix(let prefix): prefix.contains(record.subscriber)
            }
        }
    }

    /// The leases whose latest record shows `key`, still held, in (address, PSID length, PSID)
    /// order after `after`, `limit` at most.
    static func run(
        _ key: Key, after: Binding.Order?, limit: Int, server: PortLeaseServer.Server
    ) async throws(APIError) -> [LeaseSearch.Found] {
        let workers = server.workers
        let directories = workers.indices.map { ShardLogs.directory(server.settings.leaseLogDirectory, shard: $0) }
        let now = SystemClock.wallClockMilliseconds()
        let candidates = try await read(directories, key: key, now: now)
        var found: [LeaseSearch.Found] = []
        for (shard, records) in candidates.enumerated() where !records.isEmpty {
            let held = try await LeaseLookup.ask(workers[shard]) { engine in
                records.compactMap { record -> LeaseSearch.Found? in
                    guard let state = engine.lease(of: record.clientKey), state.kind == .bound,
                        state.binding.address == record.address, state.binding.psid == record.psid,
                        state.binding.psidLength == record.psidLength
                    else { return nil }
                    return LeaseSearch.Found(key: record.clientKey, state: state)
                }
            }
            found += held.filter { after == nil || $0.state.binding.order > after! }
        }
        found.sort { $0.state.binding.order < $1.state.binding.order }
        return Array(found.prefix(limit))
    }

    /// Per shard, the live leases whose latest record shows `key`, read on a thread of their own.
    private static func read(_ directories: [String], key: Key, now: Int64) async throws(APIError)
        -> [[LeaseRecord]]
    {
        let result: Result<[[LeaseRecord]], APIError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                ThreadPriority.lowerCurrentThread(to: ControlPlane.niceness)
                var shards: [[LeaseRecord]] = []
                for (shard, directory) in directories.enumerated() {
                    do throws(LeaseLogError) {
                        guard let found = try latest(in: directory, key: key, now: now) else {
                            continuation.resume(
                                returning: .failure(
                                    APIError(
                                        .badRequest, field: key.field,
                                        reason: "more than \(maximumClients) clients of shard \(shard) have shown it; "
                                            + "narrow it (a longer prefix)")))
                            return
                        }
                        shards.append(found)
                    } catch {
                        continuation.resume(
                            returning: .failure(
                                APIError(
                                    .internalServerError,
                                    reason: "cannot read the lease log of shard \(shard): \(error)"
                                )))
                        return
                    }
                }
                continuation.resume(returning: .success(shards))
            }
            thread.name = "portlease-log-search"
            thread.start()
        }
        return try result.get()
    }

    /// The live leases in the log at `directory` whose client's latest record (before `now`)
    /// shows `key`; nil when more than `limit` clients have shown it. A compaction replacing
    /// files under the read is met by reading again.
    static func latest(in directory: String, key: Key, now: Int64, limit: Int = maximumClients) throws(LeaseLogError)
        -> [LeaseRecord]?
    {
        var attempt = 0
        while true {
            do throws(LeaseLogError) {
                return try attemptLatest(in: directory, key: key, now: now, limit: limit)
            } catch {
                attempt += 1
                if attempt >= 3 { throw error }
            }
        }
    }

    private static func attemptLatest(in directory: String, key: Key, now: Int64, limit: Int) throws(LeaseLogError)
        -> [LeaseRecord]?
    {
        var latest: [ClientKey: LeaseRecord] = [:]
        var known = ClientKeyFilter()
        var tooMany = false
        // A record is decoded if it shows the key, or may be of a client that showed it (a later
        // record without the key means the client moved on); nothing more once there are too many.
        let filter = RecordFilter { view in
            !tooMany && view.time <= now && (key.matches(view) || (!latest.isEmpty && known.mayContain(view)))
        }
        _ = try LeaseLog.recover(directory: directory, filter: filter) { item in
            let record = item.record
            if key.matches(record) {
                if latest.updateValue(record, forKey: record.clientKey) == nil { known.insert(record.clientKey) }
                tooMany = latest.count > limit
            } else if latest[record.clientKey] != nil {
                latest[record.clientKey] = record
            }
        }
        if tooMany { return nil }
        return latest.values.filter { record in
            (record.event == .bind || record.event == .renew) && key.matches(record)
                && record.time + Int64(record.lifetime) * 1000 > now
        }
    }
}
