/// The snapshot file: the live leases at a compaction point, in the record format.
///
///     0 "PLSN"  4 u16 format version  6 u16 header size (40)  8 u64 covered sequence number
///     16 u64 record count  24 u64 reserved  32 u32 reserved  36 u32 CRC32C of bytes 0..<36
///     40 records, each as in a segment
///
/// "Covered" means: the snapshot's records are the state after every record up to and
/// including that sequence number; recovery replays only later records from the segments.
/// It is written streaming to `snapshot.tmp`, synced, and renamed over `snapshot`, so a
/// crash leaves either the old snapshot or the new one, never a mix.
enum Snapshot {
    static let headerSize = 40
    static let magic: UInt32 = 0x4E53_4C50  // "PLSN" little-endian
    static let version: UInt16 = 1
    private static let chunkSize = 1 << 20

    /// Writes `records` as the snapshot covering `coveredSequence`; returns how many were written.
    static func write(
        _ records: some Sequence<LeaseRecord>, covering coveredSequence: UInt64, layout: LogLayout,
        fileSystem: any LogFileSystem, sync: Bool
    ) throws(LeaseLogError) -> Int {
        let temporary = layout.snapshot + ".tmp"
        let descriptor = try fileSystem.open(temporary, mode: .truncate)
        var count = 0
        do throws(LeaseLogError) {
            let buffer = ByteBuffer(capacity: chunkSize + RecordCodec.maximumSize)
            var offset = headerSize
            for record in records {
                try RecordCodec.validate(record)
                RecordCodec.encode(record, into: buffer)
                count += 1
                if buffer.count >= chunkSize {
                    try fileSystem.write(descriptor, buffer.bytes, at: offset, path: temporary)
                    offset += buffer.count
                    buffer.removeAll()
                }
            }
            try fileSystem.write(descriptor, buffer.bytes, at: offset, path: temporary)
            buffer.removeAll()
            encodeHeader(covered: coveredSequence, count: UInt64(count), into: buffer)
            try fileSystem.write(descriptor, buffer.bytes, at: 0, path: temporary)
            if sync { try fileSystem.syncData(descriptor, path: temporary) }
        } catch {
            fileSystem.close(descriptor)
            try? fileSystem.remove(temporary)
            throw error
        }
        fileSystem.close(descriptor)
        try fileSystem.rename(temporary, to: layout.snapshot)
        if sync { try fileSystem.syncDirectory(layout.directory) }
        return count
    }

    /// Reads the snapshot, if there is one, calling `body` with each record and the covered sequence
    /// number; returns the covered sequence number and the record count, or nil when there is no snapshot.
    static func read(layout: LogLayout, fileSystem: any LogFileSystem, body: (LeaseRecord, UInt64) -> Void)
        throws(LeaseLogError) -> (covered: UInt64, count: Int)?
    {
        guard try fileSystem.list(layout.directory).contains("snapshot") else { return nil }
        var storage: [UInt8] = []
        let size = try fileSystem.readAll(layout.snapshot, into: &storage)
        let path = layout.snapshot
        return try storage.withPrefix(size) { (bytes) throws(LeaseLogError) -> (covered: UInt64, count: Int)? in
            guard bytes.count >= headerSize,
                UInt32(littleEndian: bytes.loadUnaligned(as: UInt32.self)) == magic,
                UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 36, as: UInt32.self))
                    == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<36]))
            else { throw .corruptSnapshot(path: path, offset: 0, reason: "bad header") }
            let version = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt16.self))
            guard version == Self.version else {
                throw .corruptSnapshot(path: path, offset: 4, reason: "unsupported format version \(version)")
            }
            let covered = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            let expected = Int(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
            var offset = headerSize
            var count = 0
            while offset < bytes.count {
                switch RecordCodec.decode(bytes, at: offset) {
                case .record(let record, let length):
                    body(record, covered)
                    count += 1
                    offset += length
                case .incomplete:
                    throw .corruptSnapshot(path: path, offset: offset, reason: "record cut short")
                case .corrupt(let reason):
                    throw .corruptSnapshot(path: path, offset: offset, reason: reason)
                }
            }
            guard count == expected else {
                throw .corruptSnapshot(path: path, offset: offset, reason: "\(count) records, header says \(expected)")
            }
            return (covered, count)
        }
    }

    private static func encodeHeader(covered: UInt64, count: UInt64, into buffer: ByteBuffer) {
        let out = buffer.reserve(headerSize)
        out.initializeMemory(as: UInt8.self, repeating: 0, count: headerSize)
        out.storeBytes(of: magic.littleEndian, as: UInt32.self)
        out.storeBytes(of: version.littleEndian, toByteOffset: 4, as: UInt16.self)
        out.storeBytes(of: UInt16(headerSize).littleEndian, toByteOffset: 6, as: UInt16.self)
        out.storeBytes(of: covered.littleEndian, toByteOffset: 8, as: UInt64.self)
        out.storeBytes(of: count.littleEndian, toByteOffset: 16, as: UInt64.self)
        let crc = CRC32C.checksum(UnsafeRawBufferPointer(start: out, count: 36))
        out.storeBytes(of: crc.littleEndian, toByteOffset: 36, as: UInt32.self)
        buffer.commitGrowth(headerSize)
    }
}
