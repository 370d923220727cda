/// What `LeaseLog.repair` removed.
public struct RepairReport: Sendable, Hashable {
    /// The segment cut at `offset` (nil when the repair removed whole segments only).
    public var truncatedSegment: String?
    public var offset: Int
    /// Bytes cut from the segment, saved in `damaged/` (whole segments moved there are not counted).
    public var removedBytes: Int
    /// Segment files moved whole into `damaged/`: the named one when `offset` was 0, and every later one.
    public var movedSegments: [String]
}

extension LeaseLog {
    /// The operator's explicit repair after recovery refused to start: cuts the log at `offset` of
    /// `segment` (the path or file name from a `corruptRecord`, `corruptSegmentHeader` or
    /// `missingRecords` error; offset 0 for the latter two) and sets aside everything after it.
    ///
    /// The records from that point on are lost to recovery, so the engine will not know those
    /// leases: that is why recovery never does this on its own. Nothing is deleted: the cut bytes
    /// go to `damaged/<segment>.<offset>.cut` and later segments to `damaged/`, for forensics and
    /// the traceability record. Run it with the log closed.
    @discardableResult
    public static func repair(
        directory: String, segment: String, offset: Int, fileSystem: any LogFileSystem = SystemFileSystem()
    ) throws(LeaseLogError) -> RepairReport {
        let layout = LogLayout(directory: directory)
        let name = String(segment.split(separator: "/").last ?? "")
        let numbers = try LogLayout.segmentNumbers(in: directory, fileSystem: fileSystem)
        guard let number = numbers.first(where: { LogLayout.name(ofSegment: $0) == name }) else {
            throw .invalidRepair("\(segment) is not a live segment of \(directory)")
        }
        let path = layout.segment(number)
        guard offset == 0 || offset >= SegmentHeader.size else {
            throw .invalidRepair("offset \(offset) is inside the segment header; repair at 0 to set the segment aside")
        }
        try fileSystem.createDirectory(layout.damaged)
        var report = RepairReport(truncatedSegment: nil, offset: offset, removedBytes: 0, movedSegments: [])
        var moving = numbers.filter { $0 > number }
        if offset == 0 {
            moving.insert(number, at: 0)
        } else {
            var storage: [UInt8] = []
            let size = try fileSystem.readAll(path, into: &storage)
            guard offset <= size else {
                throw .invalidRepair("offset \(offset) is past the end of \(path) (\(size) bytes)")
            }
            try storage.withPrefix(size) { (bytes) throws(LeaseLogError) in
                let cut = UnsafeRawBufferPointer(rebasing: bytes[offset..<size])
                try fileSystem.writeAtomically(
                    cut, to: layout.damaged + "/\(name).\(offset).cut", directory: layout.damaged, sync: true)
            }
            let descriptor = try fileSystem.open(path, mode: .readWrite)
            defer { fileSystem.close(descriptor) }
            try fileSystem.truncate(descriptor, to: offset, path: path)
            try fileSystem.syncData(descriptor, path: path)
            report.truncatedSegment = path
            report.removedBytes = size - offset
        }
        for later in moving {
            let destination = layout.damaged + "/" + LogLayout.name(ofSegment: later)
            try fileSystem.rename(layout.segment(later), to: destination)
            report.movedSegments.append(destination)
        }
        try fileSystem.syncDirectory(layout.damaged)
        try fileSystem.syncDirectory(directory)
        return report
    }
}
