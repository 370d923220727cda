import PortLeaseWire

/// A checked record read in place, without decoding it: what a filter looks at before a record
/// is decoded (decoding copies the client key and relay identity into a `LeaseRecord`).
///
/// Lookups over millions of records (`portlease leases --client`, a trace's live-segment scan)
/// decide on the fixed fields and the client key here, and decode only the records they keep.
/// Valid only inside the call that hands it out: it points into the log's buffer.
public struct RecordView {
    private let bytes: UnsafeRawBufferPointer

    /// `bytes` must start with a record whose length and CRC have been checked.
    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// The leased IPv4 address.
    public var address: IPv4Address {
        IPv4Address(
            UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: RecordCodec.addressOffset, as: UInt32.self)))
    }

    /// The record's time, ms since the epoch.
    public var time: Int64 {
        Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: RecordCodec.timeOffset, as: Int64.self))
    }

    /// The subscriber's IPv6 address.
    public var subscriber: IPv6Address {
        IPv6Address(
            high: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 28, as: UInt64.self)),
            low: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 36, as: UInt64.self)))
    }

    /// The PSID (right-aligned).
    public var psid: UInt16 {
        UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 20, as: UInt16.self))
    }

    /// The client key's kind, as stored (`ClientKey.Kind` raw value).
    public var clientKeyKind: UInt8 { bytes[RecordCodec.fixedSize - 2] }

    /// The client key's bytes, in place.
    public var clientKeyBytes: UnsafeRawBufferPointer {
        let count = Int(bytes[RecordCodec.fixedSize - 1])
        return UnsafeRawBufferPointer(rebasing: bytes[RecordCodec.fixedSize..<(RecordCodec.fixedSize + count)])
    }

    /// `ClientKey.fingerprint` of the record's client key, computed in place.
    package var clientKeyFingerprint: UInt64 { ClientKey.fingerprint(of: clientKeyBytes) }

    /// The relay's Remote-ID as recorded (its first 255 bytes), in place; nil when none.
    package var remoteIDBytes: UnsafeRawBufferPointer? { relayOption(flag: 4) }

    /// The relay's Subscriber-ID as recorded (its first 255 bytes), in place; nil when none.
    package var subscriberIDBytes: UnsafeRawBufferPointer? { relayOption(flag: 8) }

    /// The length-prefixed relay part whose flag is `flag` (4: Remote-ID, 8: Subscriber-ID),
    /// walking the parts before it (link-address, Interface-ID, ...) in the codec's order.
    private func relayOption(flag: UInt8) -> UnsafeRawBufferPointer? {
        let flags = bytes[7]
        guard flags & flag != 0 else { return nil }
        let end = min(bytes.count, Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt16.self))))
        var position = RecordCodec.fixedSize + Int(bytes[RecordCodec.fixedSize - 1])
        if flags & 1 != 0 { position += 16 }
        var part: UInt8 = 2
        while part <= flag {
            if flags & part != 0 {
                guard position < end else { return nil }
                let count = Int(bytes[position])
                guard position + 1 + count <= end else { return nil }
                if part == flag {
                    return UnsafeRawBufferPointer(rebasing: bytes[(position + 1)..<(position + 1 + count)])
                }
                position += 1 + count
            }
            part <<= 1
        }
        return nil
    }

    /// Whether the record is of `key` (kind and bytes), compared in place.
    public func hasClientKey(_ key: ClientKey) -> Bool {
        guard key.kind.rawValue == clientKeyKind else { return false }
        let stored = clientKeyBytes
        return key.count == stored.count && key.withUnsafeBytes { $0.elementsEqual(stored) }
    }
}

/// Which records a read-only replay decodes (`LeaseLog.recover(directory:filter:replay:)`):
/// a test on each record in place. A struct rather than a bare closure, so that a trailing
/// closure after `recover(directory:)` is always the replay.
public struct RecordFilter {
    /// True for the records to decode and replay.
    public let accepts: (RecordView) -> Bool

    public init(_ accepts: @escaping (RecordView) -> Bool) {
        self.accepts = accepts
    }
}

extension ClientKey {
    /// The key's length and last (up to) 8 bytes in one word: a cheap first test when one of a
    /// few keys is looked for among millions of records (equal keys have equal fingerprints).
    package var fingerprint: UInt64 { withUnsafeBytes { Self.fingerprint(of: $0) } }

    static func fingerprint(of bytes: UnsafeRawBufferPointer) -> UInt64 {
        var tail: UInt64 = 0
        for byte in bytes.suffix(8) { tail = tail << 8 | UInt64(byte) }
        return tail ^ UInt64(bytes.count) << 58
    }
}

/// A few client keys, tested against records in place: a 1024-bit map of their fingerprints
/// answers "certainly not one of them" for almost every other record with one load, where
/// hashing each record into a `Set` was a tenth of a trace query.
package struct ClientKeyFilter {
    private var words = [UInt64](repeating: 0, count: 16)

    package init(_ keys: some Sequence<ClientKey> = [ClientKey]()) {
        for key in keys { insert(key) }
    }

    /// Adds `key`.
    package mutating func insert(_ key: ClientKey) {
        let bit = Self.bit(key.fingerprint)
        words[bit >> 6] |= 1 << UInt64(bit & 63)
    }

    /// False when the record's client is certainly none of the keys.
    @inline(__always)
    package func mayContain(_ view: RecordView) -> Bool {
        let bit = Self.bit(view.clientKeyFingerprint)
        return words[bit >> 6] & (1 << UInt64(bit & 63)) != 0
    }

    @inline(__always)
    private static func bit(_ fingerprint: UInt64) -> Int {
        Int(truncatingIfNeeded: (fingerprint &* 0x9E37_79B9_7F4A_7C15) >> 54)
    }
}
