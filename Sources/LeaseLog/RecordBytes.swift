/// Lease records in the log's own binary form (``RecordCodec``, CRC32C included), for what
/// carries them elsewhere: replication sends a partner the records exactly as they are on
/// disk, so the partner checks each one as recovery would and logs it unchanged.
///
/// An encoder keeps one buffer for the records of a frame and reuses it. Not thread-safe.
public final class RecordBytes {
    private let buffer = ByteBuffer(capacity: 64 << 10)
    /// Records appended since the last ``take()``.
    public private(set) var recordCount = 0

    public init() {}

    /// Bytes appended since the last ``take()``.
    public var byteCount: Int { buffer.count }

    /// Appends the encoded record. Throws `.invalidRecord` for out-of-range fields.
    public func append(_ record: LeaseRecord) throws(LeaseLogError) {
        try RecordCodec.validate(record)
        RecordCodec.encode(record, into: buffer)
        recordCount += 1
    }

    /// The bytes appended, and an empty encoder (its memory kept).
    public func take() -> [UInt8] {
        defer {
            buffer.removeAll()
            recordCount = 0
        }
        return Array(UnsafeRawBufferPointer(start: buffer.base, count: buffer.count))
    }

    /// Every record in `bytes`, which must hold whole records and nothing else; throws
    /// `.corruptRecord` naming the offset of the first that is torn or fails its check.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(LeaseLogError) -> [LeaseRecord] {
        var records: [LeaseRecord] = []
        var offset = 0
        while offset < bytes.count {
            switch RecordCodec.decode(bytes, at: offset) {
            case .record(let record, let length):
                records.append(record)
                offset += length
            case .incomplete:
                throw .corruptRecord(segment: "replication frame", offset: offset, reason: "the record is cut short")
            case .corrupt(let reason):
                throw .corruptRecord(segment: "replication frame", offset: offset, reason: reason)
            }
        }
        return records
    }
}
