import PortLeaseSystem
import PortLeaseWire

#if canImport(Glibc)
    import Glibc
#endif

/// Traceability queries over a shard's whole history: "who held 198.51.100.7 port 40123 at
/// 14:02 on 3 March?" (RFC 6269 section 12).
///
/// An answer comes from three places, each found by address: the history's day files (holdings
/// that ended, through their address index), the snapshot (the holdings live at the last
/// compaction, also indexed), and the live segments after it, which are scanned and folded
/// with the same `HoldingFolder` as compaction, so an answer is the same before and after a
/// compaction. Read-only and `Sendable`: it runs on any thread beside the writer and the
/// compactor; a query that sees a compaction replace the snapshot under it starts again.
public struct LeaseHistory: Sendable {
    /// The shard's log directory.
    public let directory: String
    private let layout: LogLayout
    private let fileSystem: any LogFileSystem
    private let history: HistoryStore

    public init(directory: String, fileSystem: any LogFileSystem = SystemFileSystem()) {
        self.directory = directory
        self.layout = LogLayout(directory: directory)
        self.fileSystem = fileSystem
        self.history = HistoryStore(layout: layout, fileSystem: fileSystem)
    }

    /// The holdings of the port set containing (`address`, `port`) that include the instant `time`
    /// (ms since the epoch). Usually one; more if the records show overlapping holders.
    public func holders(of address: IPv4Address, port: UInt16, at time: Int64) throws(LeaseLogError)
        -> [TraceHolding]
    {
        try holders(of: address, port: port, from: time, to: time + 1)
    }

    /// The holdings of the port set containing (`address`, `port`) at any instant of `from ..< to`
    /// (ms since the epoch), oldest first. A holding still live has `ended == .held`.
    public func holders(of address: IPv4Address, port: UInt16, from: Int64, to: Int64) throws(LeaseLogError)
        -> [TraceHolding]
    {
        try holdings(of: address, from: from, to: to).filter {
            PortSetMath.contains(port: port, psid: $0.psid, psidLength: $0.psidLength, offset: $0.psidOffset)
        }
    }

    /// Every holding of `address` (any port set) that overlaps `from ..< to`, oldest first.
    public func holdings(of address: IPv4Address, from: Int64 = .min, to: Int64 = .max) throws(LeaseLogError)
        -> [TraceHolding]
    {
        var attempt = 0
        while true {
            if let found = try attemptHoldings(of: address.value, from: from, to: to) {
                return Array(Set(found.filter { $0.overlaps(from, to) })).sorted {
                    ($0.start, $0.psid, $0.end) < ($1.start, $1.psid, $1.end)
                }
            }
            attempt += 1
            // A compaction replaced the snapshot or deleted a segment while this query read them.
            if attempt >= 20 { throw .invalidRepair("trace query kept racing compaction in \(directory)") }
        }
    }

    /// One consistent read, or nil when a compaction changed the files under it.
    private func attemptHoldings(of address: UInt32, from: Int64, to: Int64) throws(LeaseLogError)
        -> [TraceHolding]?
    {
        var folder = HoldingFolder()
        let covered = try seed(&folder, address: address)
        var found = try history.entries(of: address, from: from, to: to).map(\.holding)
        // Fingerprints of the live holders' keys: most records are of other clients, rejected here.
        var holders = ClientKeyFilter(folder.live.keys)
        let numbers = try LogLayout.segmentNumbers(in: directory, fileSystem: fileSystem)
        for number in numbers {
            // Sealed segments are mapped (never written again); the newest is copied, because a
            // failed commit cuts it back, and a mapping read past a cut would fault (SIGBUS).
            // A segment compacted away meanwhile: start again.
            let bytes: SegmentBytes
            if number == numbers.last {
                guard let copy = try copyOfSegment(layout.segment(number)) else { return nil }
                bytes = .copied(copy)
            } else {
                guard let file = try MappedFile.forLog(layout.segment(number)) else { return nil }
                bytes = .mapped(file)
            }
            bytes.withBytes { bytes in
                guard case .success(let header) = SegmentHeader.decode(bytes) else { return }
                var sequence = header.firstSequence
                _ = SegmentScanner.scan(bytes) { offset, _ in
                    defer { sequence += 1 }
                    guard sequence > covered else { return }
                    // Records elsewhere matter only when they end a holding of this address.
                    let here = RecordCodec.address(in: bytes, at: offset) == address
                    if !here {
                        let view = RecordView(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
                        guard holders.mayContain(view),
                            folder.live.keys.contains(where: { view.hasClientKey($0) })
                        else { return }
                    }
                    guard case .record(let record, _) = RecordCodec.decode(bytes, at: offset) else { return }
                    folder.apply(record, sequence: sequence) { found.append($0.holding) }
                    if !here { folder.dropLive(notAt: address, client: record.clientKey) }
                    holders = ClientKeyFilter(folder.live.keys)
                }
            }
        }
        guard try snapshotCovered() == covered else { return nil }
        found.append(contentsOf: folder.live.values.map(\.holding))
        return found
    }

    /// Loads the snapshot's live holdings of `address` into `folder`; returns the sequence it covers.
    private func seed(_ folder: inout HoldingFolder, address: UInt32) throws(LeaseLogError) -> UInt64 {
        guard let file = try MappedFile.forLog(layout.snapshot) else { return 0 }
        let path = layout.snapshot
        return try file.withBytes { (bytes) throws(LeaseLogError) -> UInt64 in
            if SnapshotVersion1.isVersion1(bytes) {
                return try SnapshotVersion1.read(bytes, path: path) { entry in
                    if entry.record.address.value == address { folder.load(entry) }
                }.covered
            }
            guard case .success(let header) = HoldingFile.decodeHeader(bytes, expecting: .snapshot) else {
                throw .corruptSnapshot(path: path, offset: 0, reason: "bad header")
            }
            if let entries = HoldingFile.entries(of: address, in: bytes, kind: .snapshot) {
                entries.forEach { folder.load($0) }
            } else {
                _ = try HoldingFile.forEachEntry(bytes, kind: .snapshot, path: path) { entry in
                    if entry.record.address.value == address { folder.load(entry) }
                }
            }
            return header.sequence
        }
    }

    /// A segment's bytes, mapped or copied.
    private enum SegmentBytes {
        case mapped(MappedFile)
        case copied([UInt8])

        func withBytes(_ body: (UnsafeRawBufferPointer) -> Void) {
            switch self {
            case .mapped(let file): file.withBytes(body)
            case .copied(let bytes): bytes.withUnsafeBytes(body)
            }
        }
    }

    /// The whole file at `path`, nil when it is gone.
    private func copyOfSegment(_ path: String) throws(LeaseLogError) -> [UInt8]? {
        var storage: [UInt8] = []
        do {
            let size = try fileSystem.readAll(path, into: &storage)
            storage.removeSubrange(size...)
            return storage
        } catch {
            if case .system(let failure) = error, failure.errno == ENOENT { return nil }
            throw error
        }
    }

    private func snapshotCovered() throws(LeaseLogError) -> UInt64 {
        guard let file = try MappedFile.forLog(layout.snapshot) else { return 0 }
        return file.withBytes { bytes in
            bytes.count >= 16 ? UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) : 0
        }
    }
}
