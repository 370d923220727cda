import PortLeaseWire

/// The binary form of a `LeaseRecord` (format version 1, see Docs/LeaseLog.md).
///
/// Little-endian fixed fields first (so a scan can read the address and time at fixed
/// offsets without decoding the rest), then the variable parts, each present only when
/// its flag is set. The CRC32C covers every byte after itself, the length included.
///
///     0  u32 crc32c          4  u16 length        6  u8 event        7  u8 flags
///     8  i64 time (ms)       16 u32 IPv4 address  20 u16 PSID        22 u8 PSID length
///     23 u8 PSID offset      24 u32 lifetime (s)  28 16B subscriber  44 u8 client key kind
///     45 u8 key length n     46 n key bytes, then [16B link-address] [u8 len, Interface-ID] [u8 len, Remote-ID]
///                                             [u8 len, Subscriber-ID]  (flag 8; logs before it never set it)
enum RecordCodec {
    /// Bytes before the client key.
    static let fixedSize = 46
    /// The smallest record: a one-byte client key and no relay parts.
    static let minimumSize = fixedSize + 1
    /// The largest record: every variable part at 255 bytes.
    static let maximumSize = fixedSize + 255 + 16 + 256 + 256 + 256

    static let timeOffset = 8
    static let addressOffset = 16

    private static let hasLinkAddress: UInt8 = 1
    private static let hasInterfaceID: UInt8 = 2
    private static let hasRemoteID: UInt8 = 4
    private static let hasSubscriberID: UInt8 = 8

    /// What decoding found at an offset.
    enum Outcome {
        /// A valid record of `length` bytes.
        case record(LeaseRecord, length: Int)
        /// The bytes end before the record does (a torn write, or a damaged length).
        case incomplete
        /// The bytes there are not a valid record; `reason` says why.
        case corrupt(String)
    }

    /// Checks the ranges the format can hold, so that `encode` cannot fail.
    static func validate(_ record: LeaseRecord) throws(LeaseLogError) {
        let keyCount = record.clientKey.count
        guard (1...255).contains(keyCount) else {
            throw .invalidRecord("client key has \(keyCount) bytes, expected 1...255")
        }
        if let id = record.relay.interfaceIDBytes, id.count > 255 {
            throw .invalidRecord("Interface-ID has \(id.count) bytes, at most 255 are logged")
        }
        if let id = record.relay.remoteIDBytes, id.count > 255 {
            throw .invalidRecord("Remote-ID has \(id.count) bytes, at most 255 are logged")
        }
        if let id = record.relay.subscriberIDBytes, id.count > 255 {
            throw .invalidRecord("Subscriber-ID has \(id.count) bytes, at most 255 are logged")
        }
        guard record.psidOffset <= 15, Int(record.psidOffset) + Int(record.psidLength) <= 16 else {
            throw .invalidRecord("PSID offset \(record.psidOffset) + length \(record.psidLength) exceeds 16 bits")
        }
        guard record.psidLength == 16 || Int(record.psid) < 1 << Int(record.psidLength) else {
            throw .invalidRecord("PSID \(record.psid) does not fit in \(record.psidLength) bits")
        }
    }

    /// The encoded size of a (valid) record.
    @inline(__always)
    static func size(of record: LeaseRecord) -> Int {
        var size = fixedSize + record.clientKey.count
        if record.relay.linkAddress != nil { size += 16 }
        if let id = record.relay.interfaceIDBytes { size += 1 + id.count }
        if let id = record.relay.remoteIDBytes { size += 1 + id.count }
        if let id = record.relay.subscriberIDBytes { size += 1 + id.count }
        return size
    }

    /// Appends a validated record to `buffer` and returns its size.
    @discardableResult
    static func encode(_ record: LeaseRecord, into buffer: ByteBuffer) -> Int {
        let size = size(of: record)
        let out = buffer.reserve(size)
        var flags: UInt8 = 0
        if record.relay.linkAddress != nil { flags |= hasLinkAddress }
        if record.relay.interfaceIDBytes != nil { flags |= hasInterfaceID }
        if record.relay.remoteIDBytes != nil { flags |= hasRemoteID }
        if record.relay.subscriberIDBytes != nil { flags |= hasSubscriberID }
        out.storeBytes(of: UInt16(size).littleEndian, toByteOffset: 4, as: UInt16.self)
        out.storeBytes(of: record.event.rawValue, toByteOffset: 6, as: UInt8.self)
        out.storeBytes(of: flags, toByteOffset: 7, as: UInt8.self)
        out.storeBytes(of: record.time.littleEndian, toByteOffset: 8, as: Int64.self)
        out.storeBytes(of: record.address.value.littleEndian, toByteOffset: 16, as: UInt32.self)
        out.storeBytes(of: record.psid.littleEndian, toByteOffset: 20, as: UInt16.self)
        out.storeBytes(of: record.psidLength, toByteOffset: 22, as: UInt8.self)
        out.storeBytes(of: record.psidOffset, toByteOffset: 23, as: UInt8.self)
        out.storeBytes(of: record.lifetime.littleEndian, toByteOffset: 24, as: UInt32.self)
        storeAddress(record.subscriber, at: out + 28)
        out.storeBytes(of: record.clientKey.kind.rawValue, toByteOffset: 44, as: UInt8.self)
        var position = 45
        record.clientKey.withUnsafeBytes { storeBytes($0, at: out, position: &position) }
        if let link = record.relay.linkAddress {
            storeAddress(link, at: out + position)
            position += 16
        }
        if let id = record.relay.interfaceIDBytes {
            id.withUnsafeBytes { storeBytes($0, at: out, position: &position) }
        }
        if let id = record.relay.remoteIDBytes { id.withUnsafeBytes { storeBytes($0, at: out, position: &position) } }
        if let id = record.relay.subscriberIDBytes {
            id.withUnsafeBytes { storeBytes($0, at: out, position: &position) }
        }
        let crc = CRC32C.checksum(UnsafeRawBufferPointer(start: out + 4, count: size - 4))
        out.storeBytes(of: crc.littleEndian, toByteOffset: 0, as: UInt32.self)
        buffer.commitGrowth(size)
        return size
    }

    /// The length field of the record at `offset`, if the bytes hold one that is in range.
    @inline(__always)
    static func length(in bytes: UnsafeRawBufferPointer, at offset: Int) -> Int? {
        guard offset + 6 <= bytes.count else { return nil }
        let length = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self)))
        return (minimumSize...maximumSize).contains(length) ? length : nil
    }

    /// Checks length and CRC of the record at `offset` without decoding its fields.
    static func check(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Outcome? {
        guard offset + 6 <= bytes.count else { return .incomplete }
        guard let length = length(in: bytes, at: offset) else { return .corrupt("record length out of range") }
        guard offset + length <= bytes.count else { return .incomplete }
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        let computed = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[(offset + 4)..<(offset + length)]))
        guard stored == computed else { return .corrupt("CRC32C mismatch") }
        return nil
    }

    /// Decodes the record at `offset`: length, CRC, then every field and its range.
    static func decode(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Outcome {
        if let failure = check(bytes, at: offset) { return failure }
        let length = length(in: bytes, at: offset)!
        let record = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])
        return decodeChecked(record)
    }

    /// The IPv4 address of a checked record, read without decoding the rest.
    @inline(__always)
    static func address(in bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + addressOffset, as: UInt32.self))
    }

    /// The time of a checked record, read without decoding the rest.
    @inline(__always)
    static func time(in bytes: UnsafeRawBufferPointer, at offset: Int) -> Int64 {
        Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + timeOffset, as: Int64.self))
    }

    private static func decodeChecked(_ r: UnsafeRawBufferPointer) -> Outcome {
        guard let event = LeaseRecord.Event(rawValue: r[6]) else { return .corrupt("unknown event \(r[6])") }
        let flags = r[7]
        guard flags & ~(hasLinkAddress | hasInterfaceID | hasRemoteID | hasSubscriberID) == 0 else {
            return .corrupt("unknown flags \(flags)")
        }
        guard let kind = ClientKey.Kind(rawValue: r[44]) else { return .corrupt("unknown client key kind \(r[44])") }
        let psidLength = r[22]
        let psidOffset = r[23]
        let psid = UInt16(littleEndian: r.loadUnaligned(fromByteOffset: 20, as: UInt16.self))
        guard psidOffset <= 15, Int(psidOffset) + Int(psidLength) <= 16,
            psidLength == 16 || Int(psid) < 1 << Int(psidLength)
        else { return .corrupt("PSID fields out of range") }
        var position = 45
        guard let key = loadSlice(r, position: &position), !key.isEmpty else { return .corrupt("bad client key") }
        var linkAddress: IPv6Address?
        var interfaceID: InlineBytes?
        var remoteID: InlineBytes?
        var subscriberID: InlineBytes?
        if flags & hasLinkAddress != 0 {
            guard position + 16 <= r.count else { return .corrupt("record ends inside link-address") }
            linkAddress = loadAddress(r, at: position)
            position += 16
        }
        if flags & hasInterfaceID != 0 {
            guard let id = loadSlice(r, position: &position) else { return .corrupt("record ends inside Interface-ID") }
            interfaceID = InlineBytes(id)
        }
        if flags & hasRemoteID != 0 {
            guard let id = loadSlice(r, position: &position) else { return .corrupt("record ends inside Remote-ID") }
            remoteID = InlineBytes(id)
        }
        if flags & hasSubscriberID != 0 {
            guard let id = loadSlice(r, position: &position) else {
                return .corrupt("record ends inside Subscriber-ID")
            }
            subscriberID = InlineBytes(id)
        }
        let relay = RelayIdentity(
            linkAddress: linkAddress, interfaceIDBytes: interfaceID, remoteIDBytes: remoteID,
            subscriberIDBytes: subscriberID)
        guard position == r.count else { return .corrupt("record length \(r.count) but fields end at \(position)") }
        let record = LeaseRecord(
            event: event,
            time: Int64(littleEndian: r.loadUnaligned(fromByteOffset: 8, as: Int64.self)),
            clientKey: ClientKey(kind: kind, bytes: key),
            subscriber: loadAddress(r, at: 28),
            relay: relay,
            address: IPv4Address(UInt32(littleEndian: r.loadUnaligned(fromByteOffset: 16, as: UInt32.self))),
            psid: psid, psidLength: psidLength, psidOffset: psidOffset,
            lifetime: UInt32(littleEndian: r.loadUnaligned(fromByteOffset: 24, as: UInt32.self)))
        return .record(record, length: r.count)
    }

    @inline(__always)
    private static func storeAddress(_ address: IPv6Address, at pointer: UnsafeMutableRawPointer) {
        pointer.storeBytes(of: address.high.bigEndian, as: UInt64.self)
        pointer.storeBytes(of: address.low.bigEndian, toByteOffset: 8, as: UInt64.self)
    }

    @inline(__always)
    private static func storeBytes(
        _ source: UnsafeRawBufferPointer, at out: UnsafeMutableRawPointer, position: inout Int
    ) {
        out.storeBytes(of: UInt8(source.count), toByteOffset: position, as: UInt8.self)
        if let base = source.baseAddress { (out + position + 1).copyMemory(from: base, byteCount: source.count) }
        position += 1 + source.count
    }

    private static func loadAddress(_ r: UnsafeRawBufferPointer, at position: Int) -> IPv6Address {
        IPv6Address(
            high: UInt64(bigEndian: r.loadUnaligned(fromByteOffset: position, as: UInt64.self)),
            low: UInt64(bigEndian: r.loadUnaligned(fromByteOffset: position + 8, as: UInt64.self)))
    }

    /// The length-prefixed bytes at `position` (not copied: the caller copies them into inline storage).
    private static func loadSlice(_ r: UnsafeRawBufferPointer, position: inout Int) -> UnsafeRawBufferPointer? {
        guard position < r.count else { return nil }
        let count = Int(r[position])
        guard position + 1 + count <= r.count else { return nil }
        let bytes = UnsafeRawBufferPointer(rebasing: r[(position + 1)..<(position + 1 + count)])
        position += 1 + count
        return bytes
    }
}
