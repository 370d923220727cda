/// Where a shard's log keeps its files.
///
///     <directory>/0000000000000001.seg     live segments, numbered from 1, appended in order
///     <directory>/snapshot                 live leases at the last compaction
///     <directory>/history/day-NNNNNN.hold  history: holdings that ended on day NNNNNN (HistoryStore)
///     <directory>/damaged/                 what `LeaseLog.repair` cut off, kept for inspection
struct LogLayout: Sendable {
    let directory: String

    var history: String { directory + "/history" }
    var damaged: String { directory + "/damaged" }
    var snapshot: String { directory + "/snapshot" }

    static let segmentSuffix = ".seg"

    static func name(ofSegment number: UInt64) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits + segmentSuffix
    }

    func segment(_ number: UInt64) -> String { directory + "/" + LogLayout.name(ofSegment: number) }

    /// The segment numbers in `directory`, ascending; other files are ignored.
    static func segmentNumbers(in directory: String, fileSystem: any LogFileSystem) throws(LeaseLogError) -> [UInt64] {
        try fileSystem.list(directory).compactMap { name -> UInt64? in
            guard name.hasSuffix(segmentSuffix), name.count == 16 + segmentSuffix.count else { return nil }
            return UInt64(name.dropLast(segmentSuffix.count))
        }.sorted()
    }
}
