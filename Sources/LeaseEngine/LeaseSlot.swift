/// One client in the lease table: its entry and its key's first bytes, 48 bytes.
///
/// A key of up to 16 bytes (hardware addresses, RFC 4361 identifiers on a
/// DUID-LL) is stored whole, zero-padded; a longer one stores its first 12 bytes
/// and, in the last 4, the handle of the rest in ``KeyOverflow``. The key's kind
/// and length are in the entry.
struct LeaseSlot {
    var entry: LeaseEntry
    var key: (UInt64, UInt64)

    /// Keys longer than this keep their tail in ``KeyOverflow``.
    static let inlineKeyBytes = 16
    /// How many bytes of a long key the slot keeps.
    static let longKeyPrefix = 12

    /// The slot's key words for `bytes`: the whole key zero-padded if it fits,
    /// else its first 12 bytes and `handle`.
    static func keyWords(_ bytes: UnsafeRawBufferPointer, handle: UInt32) -> (UInt64, UInt64) {
        var words: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &words) { raw in
            if bytes.count <= inlineKeyBytes {
                raw.copyMemory(from: bytes)
            } else {
                raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes.prefix(longKeyPrefix)))
                raw.storeBytes(of: handle.littleEndian, toByteOffset: longKeyPrefix, as: UInt32.self)
            }
        }
        return words
    }

    /// The overflow handle of a long key.
    var overflowHandle: UInt32 {
        withUnsafeBytes(of: key) {
            UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: Self.longKeyPrefix, as: UInt32.self))
        }
    }
}
