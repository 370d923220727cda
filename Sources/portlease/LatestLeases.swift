import Dispatch
import LeaseLog
import PortLeaseWire
import Synchronization

/// Each client's latest record, as the log is replayed: what the client holds now.
///
/// Records are kept in one array (overwritten in place when the client's next record
/// comes) and found through a dictionary of indexes, so a table of millions of clients
/// is one contiguous array and one hash table, and listing it copies no record.
struct LatestLeases {
    private var slots: [ClientKey: Int32] = [:]
    private(set) var records: [LeaseRecord] = []
    /// Every client key taken, as a fingerprint map: a cheap first test in `holdsClient`.
    private var clients = ClientKeyFilter()

    /// Room for about `count` clients (an estimate from the log's size), so the table
    /// is not rehashed as it grows.
    mutating func reserve(_ count: Int) {
        slots.reserveCapacity(count)
        records.reserveCapacity(count)
    }

    /// Takes `record` as its client's latest.
    mutating func take(_ record: LeaseRecord) {
        let next = Int32(records.count)
        let index = Self.claim(&slots[record.clientKey, default: -1], next)
        if index == next {
            records.append(record)
            clients.insert(record.clientKey)
        } else {
            records[Int(index)] = record
        }
    }

    /// Whether the client of a record in place is in the table (a lookup's table is small:
    /// the clients that matched, so it is searched rather than hashed).
    func holdsClient(of view: RecordView) -> Bool {
        clients.mayContain(view) && records.contains { view.hasClientKey($0.clientKey) }
    }

    /// Takes `record` only when its client is already in the table.
    mutating func takeIfKnown(_ record: LeaseRecord) {
        guard !records.isEmpty else { return }  // nothing matched yet: no key to hash
        if let index = slots[record.clientKey] { records[Int(index)] = record }
    }

    /// The slot's index, claiming `next` for a new key (one hash for both cases).
    @inline(__always)
    private static func claim(_ slot: inout Int32, _ next: Int32) -> Int32 {
        if slot < 0 { slot = next }
        return slot
    }

    /// Where an active lease is: which table, which record, and its place in the listing.
    struct Position {
        /// Address, then PSID length and PSID: the listing's order.
        var order: UInt64
        var table: Int32
        var index: Int32
    }

    /// The leases of `tables` active at `now` (the client's latest record a bind or renew
    /// that has not run out) that `query` matches, by address, then PSID length and PSID.
    static func active(_ tables: [LatestLeases], at now: Int64, matching query: LeaseQuery) -> [Position] {
        var positions: [Position] = []
        positions.reserveCapacity(tables.reduce(0) { $0 + $1.records.count })
        for (table, leases) in tables.enumerated() {
            for (index, record) in leases.records.enumerated()
            where (record.event == .bind || record.event == .renew) && record.until > now && query.matches(record) {
                let order = UInt64(record.address.value) << 24 | UInt64(record.psidLength) << 16 | UInt64(record.psid)
                positions.append(Position(order: order, table: Int32(table), index: Int32(index)))
            }
        }
        positions.sort { ($0.order, $0.table, $0.index) < ($1.order, $1.table, $1.index) }
        return positions
    }

    /// Replays the log of every shard in `directories`, the shards in parallel (a client's
    /// records are all in one shard), keeping the records `query` needs from before `now`.
    /// Throws the first shard's error with its directory.
    static func replay(
        _ directories: [String], matching query: LeaseQuery, before now: Int64, reserving capacity: Int
    ) throws(ShardError) -> [LatestLeases] {
        let results = Mutex<[Int: Result<LatestLeases, ShardError>]>([:])
        DispatchQueue.concurrentPerform(iterations: directories.count) { shard in
            var latest = LatestLeases()
            latest.reserve(capacity / directories.count)
            let result: Result<LatestLeases, ShardError>
            do throws(LeaseLogError) {
                // A lookup decides on each record in place and decodes only those it keeps.
                let filter: RecordFilter? =
                    query.isEverything
                    ? nil
                    : RecordFilter { view in
                        view.time <= now
                            && (query.matches(view) || (query.followsMatchedClients && latest.holdsClient(of: view)))
                    }
                _ = try LeaseLog.recover(directory: directories[shard], filter: filter) { item in
                    let record = item.record
                    guard record.time <= now else { return }
                    if query.matches(record) {
                        latest.take(record)
                    } else if query.followsMatchedClients {
                        latest.takeIfKnown(record)
                    }
                }
                result = .success(latest)
            } catch {
                result = .failure(ShardError(directory: directories[shard], error: error))
            }
            results.withLock { $0[shard] = result }
        }
        return try results.withLock { results throws(ShardError) in
            try directories.indices.map { shard throws(ShardError) in try results[shard]!.get() }
        }
    }

    /// A shard's log could not be read.
    struct ShardError: Error, CustomStringConvertible {
        var directory: String
        var error: LeaseLogError
        var description: String { "\(directory): \(error)" }
    }
}
