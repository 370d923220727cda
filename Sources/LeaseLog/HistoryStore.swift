import PortLeaseSystem

/// The history: holdings that have ended, in one `HoldingFile` per UTC day of their end
/// (`history/day-NNNNNN.hold`, NNNNNN the day's number since 1970-01-01), each sorted by address.
///
/// Day `D` holds the holdings whose (exclusive) end falls in `(D * 1 day, (D + 1) * 1 day]`,
/// so retention deletes whole files for days entirely before the cutoff and rewrites only the
/// day that straddles it. A file's header sequence is the last compaction pass merged into it:
/// a pass repeated after a crash skips the holdings that file already has.
struct HistoryStore: Sendable {
    static let dayMilliseconds: Int64 = 86_400_000
    static let prefix = "day-"
    static let suffix = ".hold"

    let layout: LogLayout
    let fileSystem: any LogFileSystem

    /// The day file that holds a holding ending at `end` (exclusive).
    static func day(ofEnd end: Int64) -> Int {
        Int((end - 1).floorDivided(by: dayMilliseconds))
    }

    func path(ofDay day: Int) -> String {
        let digits = String(day)
        return layout.history + "/" + Self.prefix + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
            + Self.suffix
    }

    /// The days that have a file, ascending.
    func days() throws(LeaseLogError) -> [Int] {
        try fileSystem.list(layout.history).compactMap { name -> Int? in
            guard name.hasPrefix(Self.prefix), name.hasSuffix(Self.suffix) else { return nil }
            return Int(name.dropFirst(Self.prefix.count).dropLast(Self.suffix.count))
        }.sorted()
    }

    /// Merges `ended` (holdings ended by records up to sequence `through`) into their day files.
    /// Returns the days written. `beforeRename` runs before each file is renamed into place.
    @discardableResult
    func merge(_ ended: [HoldingEntry], through: UInt64, sync: Bool, beforeRename: () -> Void = {})
        throws(LeaseLogError) -> [Int]
    {
        guard !ended.isEmpty else { return [] }
        try fileSystem.createDirectory(layout.history)
        let byDay = Dictionary(grouping: ended) { Self.day(ofEnd: $0.end) }
        var written: [Int] = []
        for day in byDay.keys.sorted() {
            let path = path(ofDay: day)
            var entries: [HoldingEntry] = []
            var merged: UInt64 = 0
            if let header = try read(path, into: &entries) { merged = header.sequence }
            let fresh = byDay[day]!.filter { $0.sequence > merged }
            guard !fresh.isEmpty else { continue }
            entries.append(contentsOf: fresh)
            entries.sort(by: HoldingEntry.fileOrder)
            try HoldingFile.write(
                entries, kind: .historyDay, sequence: max(merged, through), day: day, to: path,
                directory: layout.history,
                fileSystem: fileSystem, sync: sync, beforeRename: beforeRename)
            written.append(day)
        }
        return written
    }

    /// Deletes every holding that ended at or before `cutoff` (ms; its last instant was before it):
    /// whole day files before the cutoff's day, and those entries of the day that straddles it.
    func applyRetention(cutoff: Int64, sync: Bool, beforeDelete: () -> Void = {}) throws(LeaseLogError)
        -> RetentionReport
    {
        var report = RetentionReport()
        let cutoffDay = Self.day(ofEnd: cutoff + 1)
        for day in try days() where day <= cutoffDay {
            let path = path(ofDay: day)
            var entries: [HoldingEntry] = []
            guard let header = try read(path, into: &entries) else { continue }
            let kept = entries.filter { $0.end > cutoff }
            if kept.count == entries.count { continue }
            beforeDelete()
            if kept.isEmpty {
                try fileSystem.remove(path)
                report.deletedFiles += 1
            } else {
                try HoldingFile.write(
                    kept, kind: .historyDay, sequence: header.sequence, day: day, to: path, directory: layout.history,
                    fileSystem: fileSystem, sync: sync)
            }
            report.deletedHoldings += entries.count - kept.count
        }
        if report.deletedFiles > 0 && sync { try fileSystem.syncDirectory(layout.history) }
        return report
    }

    /// Reads a whole day file into `entries`; nil (and no entries) when it does not exist.
    func read(_ path: String, into entries: inout [HoldingEntry]) throws(LeaseLogError) -> HoldingFile.Header? {
        guard let file = try MappedFile.forLog(path) else { return nil }
        return try file.withBytes { (bytes) throws(LeaseLogError) -> HoldingFile.Header in
            var collected: [HoldingEntry] = []
            let header = try HoldingFile.forEachEntry(bytes, kind: .historyDay, path: path) { collected.append($0) }
            entries = collected
            return header
        }
    }

    /// The holdings of `address` that may overlap `from ..< to`, from every day file that can hold one.
    func entries(of address: UInt32, from: Int64, to: Int64) throws(LeaseLogError) -> [HoldingEntry] {
        var found: [HoldingEntry] = []
        let firstDay = Self.day(ofEnd: from + 1)
        for day in try days() where day >= firstDay {
            let path = path(ofDay: day)
            guard let file = try MappedFile.forLog(path) else { continue }  // deleted by retention meanwhile
            try file.withBytes { (bytes) throws(LeaseLogError) in
                guard case .success(let header) = HoldingFile.decodeHeader(bytes, expecting: .historyDay) else {
                    throw .corruptSnapshot(path: path, offset: 0, reason: "bad header")
                }
                guard header.count > 0, header.earliestStart < to else { return }
                if let entries = HoldingFile.entries(of: address, in: bytes, kind: .historyDay) {
                    found.append(contentsOf: entries)
                } else {
                    _ = try HoldingFile.forEachEntry(bytes, kind: .historyDay, path: path) { entry in
                        if entry.record.address.value == address { found.append(entry) }
                    }
                }
            }
        }
        return found
    }

    /// The number of holdings and bytes in the history, and its oldest holding's end.
    func statistics() throws(LeaseLogError) -> (holdings: Int, bytes: Int, oldestEnd: Int64?) {
        var holdings = 0
        var bytes = 0
        var oldest: Int64?
        for day in try days() {
            guard let file = try MappedFile.forLog(path(ofDay: day)) else { continue }
            bytes += file.count
            file.withBytes { raw in
                guard case .success(let header) = HoldingFile.decodeHeader(raw, expecting: .historyDay) else { return }
                holdings += header.count
                if oldest == nil { oldest = Int64(day) * Self.dayMilliseconds }
            }
        }
        return (holdings, bytes, oldest)
    }
}

/// What a retention pass deleted.
public struct RetentionReport: Sendable, Hashable {
    /// Day files removed whole.
    public var deletedFiles = 0
    /// Holdings removed (from those files and from the day that straddles the cutoff).
    public var deletedHoldings = 0
}

extension Int64 {
    /// Division rounding towards minus infinity (days before 1970 are negative).
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
