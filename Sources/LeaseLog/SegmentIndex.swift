/// The sidecar index of an archived segment: for each IPv4 address, where its records are.
///
///     0 "PLIX"  4 u16 version  6 u16 header size (56)  8 u64 segment number  16 u64 first sequence
///     24 i64 earliest record time  32 i64 latest record time  40 u32 distinct addresses  44 u32 records
///     48 u32 CRC32C of the address table  52 u32 CRC32C of bytes 0..<52
///     56 address table: per address (u32 address, u32 index of its first offset), ascending by address
///     then offsets: u32 record offsets in the segment, grouped by address, in file order
///
/// A trace query reads the header and the address table (a few bytes per distinct address),
/// binary-searches it, then reads just that address's offsets and records. Every record read
/// is still CRC-checked and its address compared, so a damaged offset is caught, and a damaged
/// or missing index makes the query scan the segment instead.
struct SegmentIndex {
    static let headerSize = 56
    static let magic: UInt32 = 0x5849_4C50  // "PLIX" little-endian
    static let version: UInt16 = 1

    var segmentNumber: UInt64
    var firstSequence: UInt64
    var earliest: Int64
    var latest: Int64
    /// Ascending addresses and the index in `offsets` where each one's offsets start.
    var addresses: [(address: UInt32, first: UInt32)]
    var recordCount: Int

    /// Builds the index file's bytes for a segment's valid records.
    static func build(segment bytes: UnsafeRawBufferPointer, header: SegmentHeader) -> [UInt8] {
        var entries: [(address: UInt32, offset: UInt32)] = []
        var earliest = Int64.max
        var latest = Int64.min
        _ = SegmentScanner.scan(bytes) { offset, _ in
            entries.append((RecordCodec.address(in: bytes, at: offset), UInt32(offset)))
            let time = RecordCodec.time(in: bytes, at: offset)
            earliest = min(earliest, time)
            latest = max(latest, time)
        }
        entries.sort { ($0.address, $0.offset) < ($1.address, $1.offset) }
        var table: [UInt8] = []
        var offsets: [UInt8] = []
        table.reserveCapacity(entries.count * 8)
        offsets.reserveCapacity(entries.count * 4)
        var distinct = 0
        for (position, entry) in entries.enumerated() {
            if position == 0 || entries[position - 1].address != entry.address {
                appendLittleEndian(entry.address, to: &table)
                appendLittleEndian(UInt32(position), to: &table)
                distinct += 1
            }
            appendLittleEndian(entry.offset, to: &offsets)
        }
        if entries.isEmpty { (earliest, latest) = (0, 0) }
        var out: [UInt8] = []
        out.reserveCapacity(headerSize + table.count + offsets.count)
        appendLittleEndian(magic, to: &out)
        appendLittleEndian(version, to: &out)
        appendLittleEndian(UInt16(headerSize), to: &out)
        appendLittleEndian(header.number, to: &out)
        appendLittleEndian(header.firstSequence, to: &out)
        appendLittleEndian(UInt64(bitPattern: earliest), to: &out)
        appendLittleEndian(UInt64(bitPattern: latest), to: &out)
        appendLittleEndian(UInt32(distinct), to: &out)
        appendLittleEndian(UInt32(entries.count), to: &out)
        appendLittleEndian(CRC32C.checksum(table), to: &out)
        appendLittleEndian(CRC32C.checksum(out), to: &out)
        out += table
        out += offsets
        return out
    }

    /// Reads and checks the header and address table of the index at `path`; nil if it is missing or damaged.
    static func load(path: String, fileSystem: any LogFileSystem) -> SegmentIndex? {
        guard let descriptor = try? fileSystem.open(path, mode: .readOnly) else { return nil }
        defer { fileSystem.close(descriptor) }
        var header = [UInt8](repeating: 0, count: headerSize)
        let read = header.withUnsafeMutableBytes { raw in
            (try? fileSystem.read(descriptor, into: raw, at: 0, path: path)) ?? 0
        }
        guard read == headerSize else { return nil }
        let fields: (UInt64, UInt64, Int64, Int64, Int, Int, UInt32)? = header.withUnsafeBytes { bytes in
            guard bytes.loadUnaligned(as: UInt32.self) == magic.littleEndian,
                UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt16.self)) == version,
                UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 52, as: UInt32.self))
                    == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<52]))
            else { return nil }
            return (
                UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
                Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 24, as: Int64.self)),
                Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 32, as: Int64.self)),
                Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 40, as: UInt32.self))),
                Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 44, as: UInt32.self))),
                UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 48, as: UInt32.self))
            )
        }
        guard let (number, first, earliest, latest, distinct, records, tableCRC) = fields else { return nil }
        var table = [UInt8](repeating: 0, count: distinct * 8)
        let tableRead = table.withUnsafeMutableBytes { raw in
            (try? fileSystem.read(descriptor, into: raw, at: headerSize, path: path)) ?? -1
        }
        guard tableRead == table.count, CRC32C.checksum(table) == tableCRC else { return nil }
        let addresses = table.withUnsafeBytes { bytes in
            (0..<distinct).map { position in
                (
                    address: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: position * 8, as: UInt32.self)),
                    first: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: position * 8 + 4, as: UInt32.self))
                )
            }
        }
        return SegmentIndex(
            segmentNumber: number, firstSequence: first, earliest: earliest, latest: latest, addresses: addresses,
            recordCount: records)
    }

    /// The offsets in the segment of the records for `address`, read from the index file at `path`.
    func offsets(of address: UInt32, path: String, fileSystem: any LogFileSystem) -> [UInt32]? {
        var low = 0
        var high = addresses.count
        while low < high {
            let middle = (low + high) / 2
            if addresses[middle].address < address { low = middle + 1 } else { high = middle }
        }
        guard low < addresses.count, addresses[low].address == address else { return [] }
        let start = Int(addresses[low].first)
        let end = low + 1 < addresses.count ? Int(addresses[low + 1].first) : recordCount
        guard start <= end, end <= recordCount else { return nil }
        guard let descriptor = try? fileSystem.open(path, mode: .readOnly) else { return nil }
        defer { fileSystem.close(descriptor) }
        var raw = [UInt8](repeating: 0, count: (end - start) * 4)
        let position = Self.headerSize + addresses.count * 8 + start * 4
        let read = raw.withUnsafeMutableBytes { buffer in
            (try? fileSystem.read(descriptor, into: buffer, at: position, path: path)) ?? -1
        }
        guard read == raw.count else { return nil }
        return raw.withUnsafeBytes { bytes in
            (0..<(end - start)).map {
                UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))
            }
        }
    }

    private static func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
