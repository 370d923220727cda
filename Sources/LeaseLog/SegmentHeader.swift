#if canImport(Glibc)
    import Glibc
#endif

/// The 32-byte header at the start of every segment file.
///
///     0 "PLSG"  4 u16 format version  6 u16 header size  8 u64 segment number
///     16 u64 first sequence number  24 u32 reserved (0)  28 u32 CRC32C of bytes 0..<28
///
/// Records carry no sequence number of their own: record i of a segment has
/// `firstSequence + i`, which saves 8 bytes a record and makes gaps between segments detectable.
struct SegmentHeader: Equatable {
    static let size = 32
    static let magic: UInt32 = 0x4753_4C50  // "PLSG" little-endian
    static let version: UInt16 = 1

    var number: UInt64
    var firstSequence: UInt64

    func encode(into buffer: ByteBuffer) {
        let out = buffer.reserve(Self.size)
        out.initializeMemory(as: UInt8.self, repeating: 0, count: Self.size)
        out.storeBytes(of: Self.magic.littleEndian, as: UInt32.self)
        out.storeBytes(of: Self.version.littleEndian, toByteOffset: 4, as: UInt16.self)
        out.storeBytes(of: UInt16(Self.size).littleEndian, toByteOffset: 6, as: UInt16.self)
        out.storeBytes(of: number.littleEndian, toByteOffset: 8, as: UInt64.self)
        out.storeBytes(of: firstSequence.littleEndian, toByteOffset: 16, as: UInt64.self)
        let crc = CRC32C.checksum(UnsafeRawBufferPointer(start: out, count: 28))
        out.storeBytes(of: crc.littleEndian, toByteOffset: 28, as: UInt32.self)
        buffer.commitGrowth(Self.size)
    }

    /// Decodes a header, or returns why it is not one.
    static func decode(_ bytes: UnsafeRawBufferPointer) -> Result<SegmentHeader, HeaderError> {
        guard bytes.count >= size else { return .failure(HeaderError(reason: "file shorter than the header")) }
        guard UInt32(littleEndian: bytes.loadUnaligned(as: UInt32.self)) == magic else {
            return .failure(HeaderError(reason: "not a segment (bad magic)"))
        }
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 28, as: UInt32.self))
        guard stored == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<28])) else {
            return .failure(HeaderError(reason: "header CRC32C mismatch"))
        }
        let version = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt16.self))
        guard version == Self.version else {
            return .failure(HeaderError(reason: "unsupported format version \(version)"))
        }
        return .success(
            SegmentHeader(
                number: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                firstSequence: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self))))
    }

    struct HeaderError: Error {
        var reason: String
    }
}

extension SegmentHeader {
    /// Opens the segment file at `path` and reads its header: the descriptor (the caller's to
    /// close) and the header, or nil when the file does not exist (compacted away, or not yet
    /// created) or is shorter than a header (being created). Throws on a damaged header.
    static func open(_ path: String, fileSystem: any LogFileSystem) throws(LeaseLogError)
        -> (descriptor: Int32, header: SegmentHeader)?
    {
        let descriptor: Int32
        do {
            descriptor = try fileSystem.open(path, mode: .readOnly)
        } catch {
            if case .system(let failure) = error, failure.errno == ENOENT { return nil }
            throw error
        }
        var bytes = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        let read = withUnsafeMutableBytes(of: &bytes) { raw -> Result<SegmentHeader?, LeaseLogError> in
            Result { () throws(LeaseLogError) -> SegmentHeader? in
                let count = try fileSystem.read(descriptor, into: raw, at: 0, path: path)
                guard count == size else { return nil }  // being created: its header is not written yet
                switch decode(UnsafeRawBufferPointer(raw)) {
                case .success(let header): return header
                case .failure(let failure): throw .corruptSegmentHeader(segment: path, reason: failure.reason)
                }
            }
        }
        switch read {
        case .success(let header?):
            return (descriptor, header)
        case .success(nil):
            fileSystem.close(descriptor)
            return nil
        case .failure(let error):
            fileSystem.close(descriptor)
            throw error
        }
    }
}
