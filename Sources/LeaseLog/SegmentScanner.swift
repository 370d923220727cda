/// Walks the records of one segment's bytes, checking each record's length and CRC.
///
/// The scanner decides between a torn tail and damage in the middle: after the first bad
/// record it searches the rest of the bytes for any valid record. None means everything
/// from the bad record on is the unfinished end of the last write; one means good data
/// follows bad data, which truncation would throw away, so it is left to the operator.
enum SegmentScanner {
    /// Where a segment stops being valid.
    struct Damage {
        var offset: Int
        var reason: String
        /// Whether a valid record was found after the damage (corruption in the middle).
        var recordsFollow: Bool
    }

    /// The result of a scan.
    struct Result {
        var recordCount = 0
        /// The offset just after the last valid record.
        var validEnd = SegmentHeader.size
        var damage: Damage?
    }

    /// Scans the records after the header of `bytes`, calling `body(offset, length)` for each
    /// valid one, in order, until the end or the first damage.
    static func scan(_ bytes: UnsafeRawBufferPointer, body: (Int, Int) -> Void) -> Result {
        var result = Result()
        var offset = SegmentHeader.size
        while offset < bytes.count {
            if let failure = RecordCodec.check(bytes, at: offset) {
                // A preallocated segment's unused rest (LeaseLog.Options.preallocate): the end.
                if isZeroFilled(bytes, from: offset) { return result }
                let reason: String
                switch failure {
                case .incomplete: reason = "record cut short at end of file"
                case .corrupt(let why): reason = why
                case .record: reason = ""
                }
                result.damage = Damage(
                    offset: offset, reason: reason, recordsFollow: validRecordExists(in: bytes, after: offset))
                return result
            }
            let length = RecordCodec.length(in: bytes, at: offset)!
            body(offset, length)
            result.recordCount += 1
            offset += length
            result.validEnd = offset
        }
        return result
    }

    /// Whether every byte from `start` to the end is zero: blocks allocated ahead of appends,
    /// not yet written. (A record never starts with a zero length, so this is not data.)
    static func isZeroFilled(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Bool {
        var offset = start
        while offset + 8 <= bytes.count {
            if bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self) != 0 { return false }
            offset += 8
        }
        while offset < bytes.count {
            if bytes[offset] != 0 { return false }
            offset += 1
        }
        return true
    }

    /// Whether any offset after `start` holds a record with a valid length and CRC.
    private static func validRecordExists(in bytes: UnsafeRawBufferPointer, after start: Int) -> Bool {
        var offset = start + 1
        while offset + RecordCodec.minimumSize <= bytes.count {
            if let length = RecordCodec.length(in: bytes, at: offset), offset + length <= bytes.count,
                RecordCodec.check(bytes, at: offset) == nil
            {
                return true
            }
            offset += 1
        }
        return false
    }
}
