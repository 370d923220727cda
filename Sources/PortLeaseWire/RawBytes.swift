/// Unchecked big-endian reads used by the views after they have bounds-checked
/// a whole header or option once. Internal: every public accessor validates first.
extension UnsafeRawBufferPointer {
    @inline(__always)
    func readUInt8(at offset: Int) -> UInt8 {
        load(fromByteOffset: offset, as: UInt8.self)
    }

    @inline(__always)
    func readUInt16(at offset: Int) -> UInt16 {
        UInt16(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inline(__always)
    func readUInt24(at offset: Int) -> UInt32 {
        UInt32(readUInt8(at: offset)) << 16 | UInt32(readUInt16(at: offset + 1))
    }

    @inline(__always)
    func readUInt32(at offset: Int) -> UInt32 {
        UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    func readUInt64(at offset: Int) -> UInt64 {
        UInt64(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// A sub-view of `count` bytes from `offset`; the caller has checked the bounds.
    @inline(__always)
    func slice(_ offset: Int, _ count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: self[offset..<(offset + count)])
    }
}
