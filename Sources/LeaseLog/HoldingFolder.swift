import PortLeaseWire

/// Folds lease records, in log order, into holdings: the live ones it keeps, the ended ones it
/// hands to the caller. The one place that decides what a holding is, shared by compaction
/// (every record of a shard) and trace queries (the records of one address and its holders), so
/// that a trace gives the same answer before and after a compaction.
///
/// - A bind or renew of the port set a client holds, from the same subscriber address and relay,
///   before the lease ran out, extends the holding (history grows with bindings, not renewals).
/// - Any other bind or renew ends the client's holding: `.expiry` at the lease's end if it had
///   run out, else `.reassignment` at the new record's time; then it opens a new holding.
/// - Release, expire and decline of the held port set end it at their time (`.expiry` at the
///   lease's end if it had already run out). A decline also puts the port set in quarantine.
struct HoldingFolder {
    /// The live holdings, by client.
    private(set) var live: [ClientKey: HoldingEntry] = [:]
    /// Declined port sets whose quarantine has not ended, in log order.
    private(set) var quarantine: [HoldingEntry] = []
    /// The time of the latest record applied (quarantines ending before it are dropped).
    private(set) var latestTime = Int64.min
    /// Clients whose live holding this pass may have changed (see `snapshotItems`).
    private(set) var changed: Set<ClientKey> = []

    /// Starts a compaction pass: what `changed` tracks is relative to the snapshot written last.
    mutating func beginPass() {
        changed.removeAll(keepingCapacity: true)
    }

    init() {}

    /// Starts from a snapshot's entries.
    mutating func load(_ entry: HoldingEntry) {
        switch entry.state {
        case .quarantine: quarantine.append(entry)
        case .holding: live[entry.record.clientKey] = entry
        }
    }

    /// Applies `record` (sequence number `sequence`); `ended` receives each holding it ends,
    /// then `opened` the holding it starts, if any (a renewal that extends one starts none).
    mutating func apply(
        _ record: LeaseRecord, sequence: UInt64, opened: (HoldingEntry) -> Void = { _ in },
        ended: (HoldingEntry) -> Void
    ) {
        latestTime = max(latestTime, record.time)
        changed.insert(record.clientKey)
        switch record.event {
        case .bind, .renew:
            if let index = live.index(forKey: record.clientKey) {
                // The common case, a renewal that extends the holding, is changed in place.
                let extended = live.values.withExtending(at: index, by: record, sequence: sequence)
                if extended { return }
                var entry = live.values[index]
                close(&entry, at: record.time, by: .reassignment, sequence: sequence)
                ended(entry)
            }
            let entry = HoldingEntry(
                state: .holding(.held), start: record.time, end: Self.leaseEnd(record), sequence: sequence,
                record: record)
            live[record.clientKey] = entry
            opened(entry)
        case .release, .expire, .decline, .forcedRelease:
            if var entry = live[record.clientKey], HoldingEntry.samePortSet(entry.record, record) {
                live[record.clientKey] = nil
                let reason: HoldingEnd
                switch record.event {
                case .release: reason = .release
                case .decline: reason = .decline
                case .forcedRelease: reason = .forcedRelease
                default: reason = .expiry
                }
                close(&entry, at: record.time, by: reason, sequence: sequence)
                ended(entry)
            }
            if record.event == .decline {
                quarantine.append(
                    HoldingEntry(
                        state: .quarantine, start: record.time, end: Self.leaseEnd(record), sequence: sequence,
                        record: record))
            }
        }
    }

    /// Drops quarantines that ended before the latest record: the engine has returned those port sets.
    mutating func pruneQuarantine() {
        let now = latestTime
        quarantine.removeAll { $0.end <= now }
    }

    /// The state as snapshot entries (live holdings and quarantines), in file order.
    ///
    /// Sorted through small keys (address, start, sequence, position) rather than the entries
    /// themselves: moving 200-byte entries around in a sort of a million was most of a pass.
    func snapshotEntries() -> [HoldingEntry] {
        var entries = Array(live.values)
        entries.append(contentsOf: quarantine.filter { $0.end > latestTime })
        var keys = entries.indices.map { index in
            let entry = entries[index]
            return SortKey(
                address: entry.record.address.value, start: entry.start, sequence: entry.sequence, index: Int32(index))
        }
        keys.sort()
        return keys.map { entries[Int($0.index)] }
    }

    /// The snapshot as the previous one (`previous`: its entries, encoded, in file order) with
    /// this pass's changes merged in: unchanged entries are copied as they are, only the changed
    /// clients' holdings and the quarantines are encoded. Equal, entry for entry, to
    /// `snapshotEntries()`, at a fraction of the cost when a pass changes few of a million leases.
    /// Nil when `previous` holds a client key this state cannot read (write the whole snapshot).
    func snapshotItems(previous: [UnsafeRawBufferPointer]) -> [HoldingFile.Item]? {
        var fresh = changed.compactMap { live[$0] }
        fresh.append(contentsOf: quarantine.filter { $0.end > latestTime })
        var keys = fresh.indices.map { index in
            SortKey(
                address: fresh[index].record.address.value, start: fresh[index].start,
                sequence: fresh[index].sequence, index: Int32(index))
        }
        keys.sort()
        var items: [HoldingFile.Item] = []
        items.reserveCapacity(previous.count + keys.count)
        var next = 0
        for bytes in previous {
            if bytes[4] == HoldingCodec.quarantineState { continue }  // all quarantines are in `fresh`
            let view = RecordView(UnsafeRawBufferPointer(rebasing: bytes[HoldingCodec.prefixSize...]))
            guard let kind = ClientKey.Kind(rawValue: view.clientKeyKind) else { return nil }
            if changed.contains(ClientKey(kind: kind, bytes: view.clientKeyBytes)) { continue }
            let item = HoldingFile.Item.encoded(bytes)
            guard let key = try? item.orderKey() else { return nil }
            while next < keys.count, Self.fileKey(keys[next]) < key {
                items.append(.entry(fresh[Int(keys[next].index)]))
                next += 1
            }
            items.append(item)
        }
        while next < keys.count {
            items.append(.entry(fresh[Int(keys[next].index)]))
            next += 1
        }
        return items
    }

    private static func fileKey(_ key: SortKey) -> HoldingFile.Item.OrderKey {
        HoldingFile.Item.OrderKey(address: key.address, start: key.start, sequence: key.sequence, end: 0)
    }

    /// An entry's place in a holdings file, and where it is in the unsorted array.
    private struct SortKey: Comparable {
        var address: UInt32
        var start: Int64
        var sequence: UInt64
        var index: Int32

        static func < (a: SortKey, b: SortKey) -> Bool {
            (a.address, a.start, a.sequence, a.index) < (b.address, b.start, b.sequence, b.index)
        }
    }

    /// Ends `entry` at `time` for `reason`, or at its lease's end (`.expiry`) if that came first.
    private func close(_ entry: inout HoldingEntry, at time: Int64, by reason: HoldingEnd, sequence: UInt64) {
        if entry.end <= time && reason != .expiry {
            entry.state = .holding(.expiry)
        } else {
            entry.end = min(entry.end, time)
            entry.state = .holding(reason)
        }
        entry.sequence = sequence
    }

    static func leaseEnd(_ record: LeaseRecord) -> Int64 {
        record.time + Int64(record.lifetime) * 1000
    }
}

extension HoldingFolder {
    /// Forgets `client`'s live holding unless it is at `address` (a trace query follows only the
    /// holders of one address).
    mutating func dropLive(notAt address: UInt32, client: ClientKey) {
        if let entry = live[client], entry.record.address.value != address { live[client] = nil }
    }
}

extension Dictionary.Values where Key == ClientKey, Value == HoldingEntry {
    /// Extends the holding at `index` by a bind or renew of the same port set, subscriber and
    /// relay before the lease ran out, in place; false (nothing changed) for any other record.
    mutating func withExtending(at index: Dictionary<Key, Value>.Index, by record: LeaseRecord, sequence: UInt64)
        -> Bool
    {
        let entry = self[index]
        guard
            entry.end > record.time && HoldingEntry.samePortSet(entry.record, record)
                && entry.record.subscriber == record.subscriber && entry.record.relay == record.relay
        else { return false }
        self[index].end = Swift.max(entry.end, HoldingFolder.leaseEnd(record))
        self[index].record = record
        self[index].sequence = sequence
        return true
    }
}
