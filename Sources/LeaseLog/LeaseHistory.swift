import PortLeaseWire

#if canImport(Glibc)
    import Glibc
#endif

/// Traceability queries over a shard's whole history: the archive and the live segments.
///
/// "Who held 198.51.100.7 port 40123 at 14:02 on 3 March?" Archived segments are searched
/// through their address index (a binary search and a few small reads each); live segments,
/// which compaction keeps few, are scanned. Read-only and `Sendable`: it may run on any thread
/// while the writer appends and the compactor moves segments (a segment that moves while a
/// query runs is found in its new place).
public struct LeaseHistory: Sendable {
    /// The shard's log directory (live segments; the archive is its `archive/` folder).
    public let directory: String
    private let layout: LogLayout
    private let fileSystem: any LogFileSystem

    public init(directory: String, fileSystem: any LogFileSystem = SystemFileSystem()) {
        self.directory = directory
        self.layout = LogLayout(directory: directory)
        self.fileSystem = fileSystem
    }

    /// The holdings of the port set containing (`address`, `port`) that include the instant `time`
    /// (ms since the epoch). Usually one; more if the records show overlapping holders.
    public func holders(of address: IPv4Address, port: UInt16, at time: Int64) throws(LeaseLogError)
        -> [TraceHolding]
    {
        try holders(of: address, port: port, from: time, to: time + 1)
    }

    /// The holdings of the port set containing (`address`, `port`) at any instant of `from ..< to`
    /// (ms since the epoch), oldest first.
    public func holders(of address: IPv4Address, port: UInt16, from: Int64, to: Int64) throws(LeaseLogError)
        -> [TraceHolding]
    {
        var builder = HoldingBuilder()
        try forEachRecord(of: address) { record in
            guard
                PortSetMath.contains(
                    port: port, psid: record.psid, psidLength: record.psidLength, offset: record.psidOffset)
            else { return }
            builder.apply(record)
        }
        return builder.finish().filter { $0.overlaps(from, to) }.sorted { $0.start < $1.start }
    }

    /// Every record for `address` in the history, oldest first (for tools that print raw history).
    public func records(of address: IPv4Address) throws(LeaseLogError) -> [LeaseRecord] {
        var records: [LeaseRecord] = []
        try forEachRecord(of: address) { records.append($0) }
        return records
    }

    private func forEachRecord(of address: IPv4Address, _ body: (LeaseRecord) -> Void) throws(LeaseLogError) {
        let live = Set(try LogLayout.segmentNumbers(in: directory, fileSystem: fileSystem))
        let archived = Set(try LogLayout.segmentNumbers(in: layout.archive, fileSystem: fileSystem))
        var storage: [UInt8] = []
        for number in live.union(archived).sorted() {
            if archived.contains(number), try readIndexed(number, address: address.value, body) { continue }
            if live.contains(number), try scan(layout.segment(number), address: address.value, &storage, body) {
                continue
            }
            // Moved to the archive after the listing, or its index was unusable: scan the archived file.
            _ = try scan(layout.archivedSegment(number), address: address.value, &storage, body)
        }
    }

    /// Reads `address`'s records of an archived segment through its index; false if the index
    /// or a record it points to is unusable (the caller then scans the segment).
    private func readIndexed(_ number: UInt64, address: UInt32, _ body: (LeaseRecord) -> Void) throws(LeaseLogError)
        -> Bool
    {
        let indexPath = layout.archivedIndex(number)
        guard let index = SegmentIndex.load(path: indexPath, fileSystem: fileSystem), index.segmentNumber == number,
            let offsets = index.offsets(of: address, path: indexPath, fileSystem: fileSystem)
        else { return false }
        if offsets.isEmpty { return true }
        let path = layout.archivedSegment(number)
        guard let descriptor = try? fileSystem.open(path, mode: .readOnly) else { return false }
        defer { fileSystem.close(descriptor) }
        var found: [LeaseRecord] = []
        found.reserveCapacity(offsets.count)
        var buffer = [UInt8](repeating: 0, count: RecordCodec.maximumSize)
        for offset in offsets {
            let count = buffer.withUnsafeMutableBytes { raw in
                (try? fileSystem.read(descriptor, into: raw, at: Int(offset), path: path)) ?? 0
            }
            let outcome = buffer.withUnsafeBytes {
                RecordCodec.decode(UnsafeRawBufferPointer(rebasing: $0[0..<count]), at: 0)
            }
            guard case .record(let record, _) = outcome, record.address.value == address else { return false }
            found.append(record)
        }
        found.forEach(body)
        return true
    }

    /// Scans a whole segment file for `address`'s records; false if the file is gone.
    private func scan(
        _ path: String, address: UInt32, _ storage: inout [UInt8], _ body: (LeaseRecord) -> Void
    ) throws(LeaseLogError) -> Bool {
        let size: Int
        do {
            size = try fileSystem.readAll(path, into: &storage)
        } catch {
            if case .system(let failure) = error, failure.errno == ENOENT { return false }
            throw error
        }
        storage.withUnsafeBytes { raw in
            let bytes = UnsafeRawBufferPointer(rebasing: raw[0..<size])
            _ = SegmentScanner.scan(bytes) { offset, _ in
                guard RecordCodec.address(in: bytes, at: offset) == address,
                    case .record(let record, _) = RecordCodec.decode(bytes, at: offset)
                else { return }
                body(record)
            }
        }
        return true
    }
}

/// Turns one address's records, in log order, into holdings.
///
/// A bind or renew opens a holding for (client, port set) or extends the open one to
/// `time + lifetime`; a renewal from a different subscriber address or relay closes the old
/// holding and opens a new one, so each holding has one identity. Release, expire and decline
/// close it at their time (if the lifetime had not already run out before).
private struct HoldingBuilder {
    private struct Key: Hashable {
        var client: ClientKey
        var psid: UInt16
        var psidLength: UInt8
        var psidOffset: UInt8
    }

    private var open: [Key: TraceHolding] = [:]
    private var done: [TraceHolding] = []

    mutating func apply(_ record: LeaseRecord) {
        let key = Key(
            client: record.clientKey, psid: record.psid, psidLength: record.psidLength, psidOffset: record.psidOffset)
        let leaseEnd = record.time + Int64(record.lifetime) * 1000
        switch record.event {
        case .bind, .renew:
            if var holding = open[key] {
                if holding.end > record.time && holding.subscriber == record.subscriber && holding.relay == record.relay
                {
                    holding.end = max(holding.end, leaseEnd)
                    open[key] = holding
                    return
                }
                holding.end = min(holding.end, record.time)
                done.append(holding)
            }
            open[key] = TraceHolding(
                clientKey: record.clientKey, subscriber: record.subscriber, relay: record.relay,
                address: record.address, psid: record.psid, psidLength: record.psidLength,
                psidOffset: record.psidOffset, start: record.time, end: leaseEnd, endedBy: nil)
        case .release, .expire, .decline:
            guard var holding = open.removeValue(forKey: key) else { return }
            if holding.end >= record.time {
                holding.end = record.time
                holding.endedBy = record.event
            }
            done.append(holding)
        }
    }

    func finish() -> [TraceHolding] {
        done + open.values
    }
}
