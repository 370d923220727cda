import LeaseLog
import PortLeaseWire

/// Each client's latest record, as the log is replayed: what the client holds now.
///
/// Records are kept in one array (overwritten in place when the client's next record
/// comes) and found through a dictionary of indexes, so a table of millions of clients
/// is one contiguous array and one hash table, and listing it copies no record.
struct LatestLeases {
    private var slots: [ClientKey: Int32] = [:]
    private(set) var records: [LeaseRecord] = []

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
        } else {
            records[Int(index)] = record
        }
    }

    /// Takes `record` only when its client is already in the table.
    mutating func takeIfKnown(_ record: LeaseRecord) {
        if let index = slots[record.clientKey] { records[Int(index)] = record }
    }

    /// The slot's index, claiming `next` for a new key (one hash for both cases).
    @inline(__always)
    private static func claim(_ slot: inout Int32, _ next: Int32) -> Int32 {
        if slot < 0 { slot = next }
        return slot
    }

    /// Indexes into `records` of the leases active at `now` (the latest record a bind or
    /// renew that has not run out) that `query` matches, by address, then PSID length and PSID.
    func active(at now: Int64, matching query: LeaseQuery) -> [Int32] {
        var keyed: [(key: UInt64, index: Int32)] = []
        keyed.reserveCapacity(records.count)
        for (index, record) in records.enumerated()
        where (record.event == .bind || record.event == .renew) && record.until > now && query.matches(record) {
            let key = UInt64(record.address.value) << 24 | UInt64(record.psidLength) << 16 | UInt64(record.psid)
            keyed.append((key, Int32(index)))
        }
        keyed.sort { ($0.key, $0.index) < ($1.key, $1.index) }
        return keyed.map(\.index)
    }
}
