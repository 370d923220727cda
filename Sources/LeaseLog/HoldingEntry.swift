import PortLeaseWire

/// One entry of a holdings file (the snapshot or a history day file): a holding and the
/// lease record it is built from.
///
/// In the snapshot an entry is a live lease: `record` is its latest bind or renew (what
/// recovery replays into the engine), `start` where its holding began, `end` the furthest
/// any of its renewals reached. A declined port set still in quarantine is kept the same way,
/// with the decline record. In a history file an entry is a holding that has ended.
struct HoldingEntry: Sendable, Hashable {
    /// What an entry is.
    enum State: Hashable, Sendable {
        /// A holding; `.held` in the snapshot, any other end in the history.
        case holding(HoldingEnd)
        /// A declined port set still in quarantine (snapshot only): `record` is the decline.
        case quarantine
    }

    var state: State
    var start: Int64
    var end: Int64
    /// The sequence number of the record that last changed the entry (for a history entry,
    /// the record that ended the holding: how a repeated compaction pass recognises its own work).
    var sequence: UInt64
    var record: LeaseRecord

    /// The holding as a trace answer.
    var holding: TraceHolding {
        let ended: HoldingEnd
        switch state {
        case .holding(let end): ended = end
        case .quarantine: ended = .decline
        }
        return TraceHolding(
            clientKey: record.clientKey, subscriber: record.subscriber, relay: record.relay,
            address: record.address, psid: record.psid, psidLength: record.psidLength, psidOffset: record.psidOffset,
            start: start, end: end, ended: ended)
    }

    /// Whether two records name the same port set.
    static func samePortSet(_ a: LeaseRecord, _ b: LeaseRecord) -> Bool {
        a.address == b.address && a.psid == b.psid && a.psidLength == b.psidLength && a.psidOffset == b.psidOffset
    }

    /// The order of entries in a file: by address, then start, then sequence.
    static func fileOrder(_ a: HoldingEntry, _ b: HoldingEntry) -> Bool {
        (a.record.address.value, a.start, a.sequence) < (b.record.address.value, b.start, b.sequence)
    }
}

/// The binary form of a `HoldingEntry`: a 32-byte prefix, then the record as in a segment.
///
///     0 u32 CRC32C of bytes 4..<32     4 u8 state (HoldingEnd raw value, 0x80 quarantine)
///     5 u8 0   6 u16 0                  8 i64 start (ms)    16 i64 end (ms)
///     24 u64 sequence                   32 the record (its own length and CRC32C)
enum HoldingCodec {
    static let prefixSize = 32
    static let quarantineState: UInt8 = 0x80
    static let maximumSize = prefixSize + RecordCodec.maximumSize

    /// Appends `entry` to `buffer`; the record must be valid (`RecordCodec.validate`).
    @discardableResult
    static func encode(_ entry: HoldingEntry, into buffer: ByteBuffer) -> Int {
        let out = buffer.reserve(prefixSize)
        let state: UInt8
        switch entry.state {
        case .holding(let end): state = end.rawValue
        case .quarantine: state = quarantineState
        }
        out.storeBytes(of: UInt32(state).littleEndian, toByteOffset: 4, as: UInt32.self)
        out.storeBytes(of: entry.start.littleEndian, toByteOffset: 8, as: Int64.self)
        out.storeBytes(of: entry.end.littleEndian, toByteOffset: 16, as: Int64.self)
        out.storeBytes(of: entry.sequence.littleEndian, toByteOffset: 24, as: UInt64.self)
        let crc = CRC32C.checksum(UnsafeRawBufferPointer(start: out + 4, count: prefixSize - 4))
        out.storeBytes(of: crc.littleEndian, toByteOffset: 0, as: UInt32.self)
        buffer.commitGrowth(prefixSize)
        return prefixSize + RecordCodec.encode(entry.record, into: buffer)
    }

    /// The address of the entry at `offset` (checked or not), read without decoding.
    @inline(__always)
    static func address(in bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        RecordCodec.address(in: bytes, at: offset + prefixSize)
    }

    /// Decodes the entry at `offset`: the prefix's CRC and state, then the record.
    /// Returns the entry and its length, or a reason.
    static func decode(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Result<(HoldingEntry, Int), Failure> {
        guard offset + prefixSize <= bytes.count else { return .failure(Failure("entry cut short")) }
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        let prefix = UnsafeRawBufferPointer(rebasing: bytes[(offset + 4)..<(offset + prefixSize)])
        guard stored == CRC32C.checksum(prefix) else { return .failure(Failure("entry CRC32C mismatch")) }
        let rawState = bytes[offset + 4]
        let state: HoldingEntry.State
        if rawState == quarantineState {
            state = .quarantine
        } else if let end = HoldingEnd(rawValue: rawState) {
            state = .holding(end)
        } else {
            return .failure(Failure("unknown entry state \(rawState)"))
        }
        let start = Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 8, as: Int64.self))
        let end = Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 16, as: Int64.self))
        let sequence = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self))
        switch RecordCodec.decode(bytes, at: offset + prefixSize) {
        case .record(let record, let length):
            let entry = HoldingEntry(state: state, start: start, end: end, sequence: sequence, record: record)
            return .success((entry, prefixSize + length))
        case .incomplete:
            return .failure(Failure("record cut short"))
        case .corrupt(let reason):
            return .failure(Failure(reason))
        }
    }

    /// Why an entry could not be decoded.
    struct Failure: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }
}
