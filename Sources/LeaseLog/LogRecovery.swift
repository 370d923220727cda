/// Replays a log directory: the snapshot, then every live segment in order.
///
/// Shared by `LeaseLog.init` (which then truncates a torn tail and appends) and by the
/// read-only `LeaseLog.recover` (which changes nothing). Checks every record's CRC, the
/// segment headers, and that sequence numbers follow on from one segment to the next.
enum LogRecovery {
    /// A live segment as recovery left it.
    struct Segment {
        var number: UInt64
        var firstSequence: UInt64
        var recordCount: Int
        /// The offset after the last valid record: where appends continue.
        var validEnd: Int
        /// Whether the header itself is torn (the file must be removed, not truncated).
        var headerTorn = false
        var nextSequence: UInt64 { firstSequence + UInt64(recordCount) }
    }

    struct Outcome {
        var report = RecoveryReport()
        var segments: [Segment] = []
    }

    /// With `filter`, records it rejects are skipped without being decoded (their length and CRC
    /// are still checked in segments, so damage is found as without it).
    static func run(
        layout: LogLayout, fileSystem: any LogFileSystem, filter: ((RecordView) -> Bool)? = nil,
        replay: (ReplayedRecord) -> Void
    ) throws(LeaseLogError) -> Outcome {
        var outcome = Outcome()
        let snapshot = try Snapshot.read(layout: layout, fileSystem: fileSystem, filter: filter) { entry in
            replay(ReplayedRecord(record: entry.record, sequence: entry.sequence, fromSnapshot: true))
        }
        let covered = snapshot?.covered ?? 0
        outcome.report.snapshotRecords = snapshot?.count ?? 0
        outcome.report.snapshotCovers = covered
        var expected = covered + 1
        var previousEnd: UInt64?
        var storage: [UInt8] = []
        let numbers = try LogLayout.segmentNumbers(in: layout.directory, fileSystem: fileSystem)
        for (index, number) in numbers.enumerated() {
            let isLast = index == numbers.count - 1
            let path = layout.segment(number)
            let size = try fileSystem.readAll(path, into: &storage)
            let segment = try storage.withPrefix(size) { (bytes) throws(LeaseLogError) -> Segment in
                let header: SegmentHeader
                switch SegmentHeader.decode(bytes) {
                case .success(let decoded):
                    header = decoded
                case .failure(let failure):
                    guard isLast && size <= SegmentHeader.size else {
                        throw .corruptSegmentHeader(segment: path, reason: failure.reason)
                    }
                    outcome.report.truncatedTail = TruncatedTail(
                        segment: path, offset: 0, discardedBytes: size, reason: failure.reason)
                    return Segment(
                        number: number, firstSequence: expected, recordCount: 0, validEnd: 0, headerTorn: true)
                }
                guard header.number == number else {
                    throw .corruptSegmentHeader(segment: path, reason: "header names segment \(header.number)")
                }
                // Records are missing only past what the snapshot and earlier segments hold: a
                // segment may follow one that ends early (cut by a repair) when the snapshot
                // covers the gap, as `LeaseLog.init` then starts the next one after the snapshot.
                if header.firstSequence > expected {
                    throw .missingRecords(segment: path, expected: expected, found: header.firstSequence)
                }
                if let previousEnd, header.firstSequence < previousEnd {
                    throw .corruptSegmentHeader(
                        segment: path, reason: "starts at record \(header.firstSequence), before \(previousEnd)")
                }
                var sequence = header.firstSequence
                var invalid: (offset: Int, reason: String)?
                var replayed = 0
                let scan = SegmentScanner.scan(bytes) { offset, _ in
                    defer { sequence += 1 }
                    guard sequence > covered, invalid == nil else { return }
                    if let filter, !filter(RecordView(UnsafeRawBufferPointer(rebasing: bytes[offset...]))) { return }
                    switch RecordCodec.decode(bytes, at: offset) {
                    case .record(let record, _):
                        replay(ReplayedRecord(record: record, sequence: sequence, fromSnapshot: false))
                        replayed += 1
                    case .incomplete, .corrupt:
                        invalid = (offset, "record fields out of range")
                    }
                }
                if let invalid { throw .corruptRecord(segment: path, offset: invalid.offset, reason: invalid.reason) }
                outcome.report.replayedRecords += replayed
                if let damage = scan.damage {
                    guard isLast && !damage.recordsFollow else {
                        throw .corruptRecord(segment: path, offset: damage.offset, reason: damage.reason)
                    }
                    outcome.report.truncatedTail = TruncatedTail(
                        segment: path, offset: damage.offset, discardedBytes: size - damage.offset,
                        reason: damage.reason)
                }
                return Segment(
                    number: number, firstSequence: header.firstSequence, recordCount: scan.recordCount,
                    validEnd: scan.validEnd)
            }
            outcome.segments.append(segment)
            if !segment.headerTorn {
                previousEnd = segment.nextSequence
                expected = max(expected, segment.nextSequence)
            }
        }
        outcome.report.segmentCount = outcome.segments.count
        outcome.report.lastSequence = expected - 1
        return outcome
    }
}
