import PortLeaseWire

/// A file of holding entries sorted by IPv4 address, with an address index at its end: the
/// format of both the snapshot and the history's day files (Docs/LeaseLog.md, "Holdings files").
///
///     0 u32 magic ("PLSN" snapshot, "PLHD" history day)   4 u16 version (2)   6 u16 header size (64)
///     8 u64 sequence (snapshot: covered; day file: the last compaction pass merged into it)
///     16 u64 entry count      24 u64 index offset (where entries end)     32 u32 distinct addresses
///     36 u32 day (days since the epoch; 0 in a snapshot)   40 i64 earliest start   48 i64 latest end
///     56 u32 CRC32C of the index    60 u32 CRC32C of bytes 0..<60
///     64 entries (HoldingCodec), ascending by address, then start
///     index: per distinct address, u32 address, u32 0, u64 offset of its first entry
///
/// A lookup maps the file, binary-searches the index and reads that address's entries, each
/// checked by its own CRCs (a bad index entry sends the lookup to a scan); sequential readers
/// (recovery, compaction) read the entries only.
enum HoldingFile {
    enum Kind: UInt32, Sendable {
        case snapshot = 0x4E53_4C50  // "PLSN"
        case historyDay = 0x4448_4C50  // "PLHD"
    }

    static let headerSize = 64
    static let version: UInt16 = 2
    static let indexEntrySize = 16

    /// What a file's header says.
    struct Header: Sendable, Equatable {
        var kind: Kind
        var sequence: UInt64
        var count: Int
        var indexOffset: Int
        var addresses: Int
        var day: Int
        var earliestStart: Int64
        var latestEnd: Int64
        var indexCRC: UInt32
    }

    /// An entry to write: decoded, or already encoded (an unchanged entry copied from the
    /// previous file without decoding and encoding it again).
    enum Item {
        case entry(HoldingEntry)
        case encoded(UnsafeRawBufferPointer)
    }

    /// Writes `entries` (already in `HoldingEntry.fileOrder`) to `path` atomically (temporary file,
    /// `fdatasync` when `sync`, rename, directory `fsync`). Returns the file's size in bytes.
    @discardableResult
    static func write(
        _ entries: some Sequence<HoldingEntry>, kind: Kind, sequence: UInt64, day: Int, to path: String,
        directory: String, fileSystem: any LogFileSystem, sync: Bool, beforeRename: () -> Void = {}
    ) throws(LeaseLogError) -> Int {
        try write(
            items: entries.lazy.map { Item.entry($0) }, kind: kind, sequence: sequence, day: day, to: path,
            directory: directory, fileSystem: fileSystem, sync: sync, beforeRename: beforeRename)
    }

    /// `write` of items in file order, some of them already encoded.
    @discardableResult
    static func write(
        items entries: some Sequence<Item>, kind: Kind, sequence: UInt64, day: Int, to path: String,
        directory: String, fileSystem: any LogFileSystem, sync: Bool, beforeRename: () -> Void = {}
    ) throws(LeaseLogError) -> Int {
        var size = 0
        try fileSystem.replaceAtomically(path, directory: directory, sync: sync, beforeRename: beforeRename) {
            (descriptor, temporary) throws(LeaseLogError) in
            size = try writeBody(
                entries, kind: kind, sequence: sequence, day: day, descriptor: descriptor, path: temporary,
                fileSystem: fileSystem, pace: sync)
        }
        return size
    }

    private static func writeBody(
        _ entries: some Sequence<Item>, kind: Kind, sequence: UInt64, day: Int, descriptor: Int32,
        path: String, fileSystem: any LogFileSystem, pace: Bool
    ) throws(LeaseLogError) -> Int {
        let chunk = 1 << 20
        let buffer = ByteBuffer(capacity: chunk + HoldingCodec.maximumSize)
        var offset = headerSize
        var flushed = 0..<0
        var index: [(address: UInt32, offset: Int)] = []
        var count = 0
        var earliest = Int64.max
        var latest = Int64.min
        for item in entries {
            let key = try item.orderKey()
            let address = key.address
            if let last = index.last, last.address > address {
                throw .invalidRecord("holdings out of address order: \(IPv4Address(address)) after \(last.address)")
            }
            if index.last?.address != address { index.append((address, offset + buffer.count)) }
            switch item {
            case .entry(let entry): HoldingCodec.encode(entry, into: buffer)
            case .encoded(let bytes):
                buffer.reserve(bytes.count).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
                buffer.commitGrowth(bytes.count)
            }
            count += 1
            earliest = min(earliest, key.start)
            latest = max(latest, key.end)
            if buffer.count >= chunk {
                try fileSystem.write(descriptor, buffer.bytes, at: offset, path: path)
                // One piece in flight at a time: the final fdatasync then has little left to do
                // and does not hold up the shards' commits behind tens of megabytes.
                if pace {
                    try fileSystem.flush(
                        descriptor, previous: flushed, current: offset..<(offset + buffer.count), path: path)
                }
                flushed = offset..<(offset + buffer.count)
                offset += buffer.count
                buffer.removeAll()
            }
        }
        let indexOffset = offset + buffer.count
        for item in index {
            let out = buffer.reserve(indexEntrySize)
            out.storeBytes(of: item.address.littleEndian, toByteOffset: 0, as: UInt32.self)
            out.storeBytes(of: UInt32(0), toByteOffset: 4, as: UInt32.self)
            out.storeBytes(of: UInt64(item.offset).littleEndian, toByteOffset: 8, as: UInt64.self)
            buffer.commitGrowth(indexEntrySize)
        }
        let indexBytes = UnsafeRawBufferPointer(
            start: buffer.bytes.baseAddress! + (indexOffset - offset), count: index.count * indexEntrySize)
        let header = Header(
            kind: kind, sequence: sequence, count: count, indexOffset: indexOffset, addresses: index.count, day: day,
            earliestStart: count == 0 ? 0 : earliest, latestEnd: count == 0 ? 0 : latest,
            indexCRC: CRC32C.checksum(indexBytes))
        try fileSystem.write(descriptor, buffer.bytes, at: offset, path: path)
        let end = offset + buffer.count
        buffer.removeAll()
        encode(header, into: buffer)
        try fileSystem.write(descriptor, buffer.bytes, at: 0, path: path)
        return end
    }

    /// Walks the entries of a whole file in `bytes` without decoding them: each entry's bytes,
    /// checked for structure (lengths) but not CRC (the caller copies them as they are).
    /// Nil when the file is not a usable holdings file of `kind`.
    static func encodedEntries(_ bytes: UnsafeRawBufferPointer, kind: Kind) -> [UnsafeRawBufferPointer]? {
        guard case .success(let header) = decodeHeader(bytes, expecting: kind) else { return nil }
        var entries: [UnsafeRawBufferPointer] = []
        entries.reserveCapacity(header.count)
        var offset = headerSize
        while offset < header.indexOffset {
            guard offset + HoldingCodec.prefixSize + RecordCodec.fixedSize <= header.indexOffset,
                let length = RecordCodec.length(in: bytes, at: offset + HoldingCodec.prefixSize),
                offset + HoldingCodec.prefixSize + length <= header.indexOffset
            else { return nil }
            entries.append(
                UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + HoldingCodec.prefixSize + length)]))
            offset += HoldingCodec.prefixSize + length
        }
        return entries.count == header.count ? entries : nil
    }

    static func encode(_ header: Header, into buffer: ByteBuffer) {
        let out = buffer.reserve(headerSize)
        out.storeBytes(of: header.kind.rawValue.littleEndian, toByteOffset: 0, as: UInt32.self)
        out.storeBytes(of: version.littleEndian, toByteOffset: 4, as: UInt16.self)
        out.storeBytes(of: UInt16(headerSize).littleEndian, toByteOffset: 6, as: UInt16.self)
        out.storeBytes(of: header.sequence.littleEndian, toByteOffset: 8, as: UInt64.self)
        out.storeBytes(of: UInt64(header.count).littleEndian, toByteOffset: 16, as: UInt64.self)
        out.storeBytes(of: UInt64(header.indexOffset).littleEndian, toByteOffset: 24, as: UInt64.self)
        out.storeBytes(of: UInt32(header.addresses).littleEndian, toByteOffset: 32, as: UInt32.self)
        out.storeBytes(of: UInt32(header.day).littleEndian, toByteOffset: 36, as: UInt32.self)
        out.storeBytes(of: header.earliestStart.littleEndian, toByteOffset: 40, as: Int64.self)
        out.storeBytes(of: header.latestEnd.littleEndian, toByteOffset: 48, as: Int64.self)
        out.storeBytes(of: header.indexCRC.littleEndian, toByteOffset: 56, as: UInt32.self)
        let crc = CRC32C.checksum(UnsafeRawBufferPointer(start: out, count: 60))
        out.storeBytes(of: crc.littleEndian, toByteOffset: 60, as: UInt32.self)
        buffer.commitGrowth(headerSize)
    }

    /// Decodes and checks a header; the reason names what is wrong.
    static func decodeHeader(_ bytes: UnsafeRawBufferPointer, expecting kind: Kind) -> Result<
        Header, HoldingCodec.Failure
    > {
        guard bytes.count >= headerSize else { return .failure(.init("file shorter than its header")) }
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 60, as: UInt32.self))
        guard stored == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<60])) else {
            return .failure(.init("header CRC32C mismatch"))
        }
        guard UInt32(littleEndian: bytes.loadUnaligned(as: UInt32.self)) == kind.rawValue else {
            return .failure(.init("not a \(kind) file"))
        }
        let version = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt16.self))
        guard version == Self.version else { return .failure(.init("unsupported format version \(version)")) }
        // A count or offset that cannot fit the file is damage, checked before any arithmetic on it
        // (each entry takes more than one byte, so a count above the file's size is impossible).
        guard let count = Int(exactly: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self))),
            count <= bytes.count
        else { return .failure(.init("entry count larger than the file")) }
        guard
            let indexOffset = Int(
                exactly: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self))),
            indexOffset <= bytes.count
        else { return .failure(.init("index outside the file")) }
        let header = Header(
            kind: kind, sequence: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
            count: count, indexOffset: indexOffset,
            addresses: Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 32, as: UInt32.self))),
            day: Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 36, as: UInt32.self))),
            earliestStart: Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 40, as: Int64.self)),
            latestEnd: Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 48, as: Int64.self)),
            indexCRC: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 56, as: UInt32.self)))
        guard header.indexOffset >= headerSize,
            header.indexOffset + header.addresses * indexEntrySize <= bytes.count
        else { return .failure(.init("index outside the file")) }
        return .success(header)
    }

    /// Reads every entry of a whole file in `bytes` in order, checking each entry and the count. The
    /// index is not needed (nor checked): a damaged index costs lookups a scan, never data.
    /// With `filter`, an entry whose record it rejects is skipped without being decoded or checked.
    static func forEachEntry(
        _ bytes: UnsafeRawBufferPointer, kind: Kind, path: String, filter: ((RecordView) -> Bool)? = nil,
        _ body: (HoldingEntry) -> Void
    ) throws(LeaseLogError) -> Header {
        let header: Header
        switch decodeHeader(bytes, expecting: kind) {
        case .success(let decoded): header = decoded
        case .failure(let failure): throw .corruptSnapshot(path: path, offset: 0, reason: failure.reason)
        }
        let entries = UnsafeRawBufferPointer(rebasing: bytes[0..<header.indexOffset])
        var offset = headerSize
        var count = 0
        while offset < header.indexOffset {
            if let filter, offset + HoldingCodec.prefixSize + RecordCodec.fixedSize <= header.indexOffset,
                let length = RecordCodec.length(in: entries, at: offset + HoldingCodec.prefixSize),
                offset + HoldingCodec.prefixSize + length <= header.indexOffset,
                !filter(RecordView(UnsafeRawBufferPointer(rebasing: entries[(offset + HoldingCodec.prefixSize)...])))
            {
                offset += HoldingCodec.prefixSize + length
                count += 1
                continue
            }
            switch HoldingCodec.decode(entries, at: offset) {
            case .success(let (entry, length)):
                body(entry)
                offset += length
                count += 1
            case .failure(let failure):
                throw .corruptSnapshot(path: path, offset: offset, reason: failure.reason)
            }
        }
        guard count == header.count else {
            throw .corruptSnapshot(path: path, offset: offset, reason: "\(count) entries, header says \(header.count)")
        }
        return header
    }

    /// The entries of `address` in a mapped file, found through the index. Nil when the file or
    /// the index is unusable (the caller then scans with `forEachEntry`).
    static func entries(of address: UInt32, in bytes: UnsafeRawBufferPointer, kind: Kind) -> [HoldingEntry]? {
        guard case .success(let header) = decodeHeader(bytes, expecting: kind) else { return nil }
        var low = 0
        var high = header.addresses
        let base = header.indexOffset
        while low < high {
            let middle = (low + high) / 2
            let value = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: base + middle * 16, as: UInt32.self))
            if value < address { low = middle + 1 } else { high = middle }
        }
        guard low < header.addresses,
            UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: base + low * 16, as: UInt32.self)) == address
        else { return [] }
        var offset = Int(
            UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: base + low * 16 + 8, as: UInt64.self)))
        let entries = UnsafeRawBufferPointer(rebasing: bytes[0..<header.indexOffset])
        var found: [HoldingEntry] = []
        while offset < header.indexOffset {
            guard offset >= headerSize, case .success(let (entry, length)) = HoldingCodec.decode(entries, at: offset)
            else { return nil }
            if entry.record.address.value != address { break }
            found.append(entry)
            offset += length
        }
        if found.isEmpty { return nil }
        return found
    }
}

extension HoldingFile.Item {
    /// Where the item goes in a file (address, start, sequence), and its end.
    struct OrderKey: Comparable {
        var address: UInt32
        var start: Int64
        var sequence: UInt64
        var end: Int64

        static func < (a: OrderKey, b: OrderKey) -> Bool {
            (a.address, a.start, a.sequence) < (b.address, b.start, b.sequence)
        }
    }

    func orderKey() throws(LeaseLogError) -> OrderKey {
        switch self {
        case .entry(let entry):
            try RecordCodec.validate(entry.record)
            return OrderKey(
                address: entry.record.address.value, start: entry.start, sequence: entry.sequence, end: entry.end)
        case .encoded(let bytes):
            return OrderKey(
                address: HoldingCodec.address(in: bytes, at: 0),
                start: Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: Int64.self)),
                sequence: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self)),
                end: Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: Int64.self)))
        }
    }
}
