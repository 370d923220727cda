import CCRC32C

/// CRC32C (Castagnoli), the checksum of every record, segment header, snapshot and index.
///
/// CRC32C rather than CRC32 because x86-64 (SSE4.2) computes it in hardware: checking a
/// whole log on recovery then costs far less than reading it. The C target picks the
/// instruction once at load time and falls back to slicing-by-8 tables.
public enum CRC32C {
    /// The CRC32C of `bytes`, continuing from `crc` (the finished CRC of the bytes before; 0 to start).
    @inlinable
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress else { return crc }
        return ccrc32c_extend(crc, base, bytes.count)
    }

    /// The CRC32C of an array of bytes.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }

    /// The table implementation regardless of the CPU, so tests can check both paths agree.
    public static func portableChecksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress else { return crc }
        return ccrc32c_extend_portable(crc, base, bytes.count)
    }

    /// Whether `checksum` uses the CPU's CRC32C instruction on this machine.
    public static var usesHardware: Bool { ccrc32c_uses_hardware() != 0 }
}
