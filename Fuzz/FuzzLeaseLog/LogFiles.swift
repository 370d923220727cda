import CCRC32C
import PortLeaseFuzzSupport

/// How the lease-log harness turns an input into a log directory's files.
///
/// Each chunk (``Chunks``) is one file; the low two bits of its control byte say which:
/// 0 the next segment (numbered 1, 2, ... in input order), 1 the snapshot, 2 segment
/// number `control >> 2` (so numbers can skip or repeat), 3 a file recovery must ignore
/// (a leftover `.tmp`, or a stray name).
///
/// With ``fixChecksums`` the harness recomputes the CRC32Cs a mutation breaks, so that
/// mutated fields get past the checksums to the decoder's own checks: a segment's header
/// CRC (bytes 0..<28, at 28), each record's CRC (the record after its first 4 bytes, its
/// length the 16 bits at offset 4), as far as the lengths chain, and the snapshot header's
/// CRC (bytes 0..<60, at 60). The layouts are the lease log's (Docs/LeaseLog.md,
/// `RecordCodec`, `SegmentHeader`, `HoldingFile`), which keeps them internal.
enum LogFiles {
    /// One file to write.
    struct File {
        var name: String
        var bytes: [UInt8]
    }

    /// A record's smallest and largest length (`RecordCodec.minimumSize`, `.maximumSize`).
    static let recordLengths = 47...829
    static let segmentHeaderSize = 32

    static func segmentName(_ number: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: 16 - digits.count) + digits + ".seg"
    }

    /// The files `chunks` describe.
    static func files(_ chunks: inout Chunks, fixChecksums: Bool) -> [File] {
        var files: [File] = []
        var next = 1
        while let chunk = chunks.next() {
            var bytes = Array(chunk.bytes)
            switch chunk.control & 3 {
            case 0, 2:
                let number = chunk.control & 3 == 0 ? next : Int(chunk.control >> 2)
                next = max(next, number) + 1
                if fixChecksums { fixSegment(&bytes) }
                files.append(File(name: segmentName(number), bytes: bytes))
            case 1:
                if fixChecksums { fix(&bytes, crcAt: 60) }
                files.append(File(name: "snapshot", bytes: bytes))
            default:
                files.append(File(name: chunk.control & 4 != 0 ? segmentName(next) + ".tmp" : "notes", bytes: bytes))
            }
        }
        return files
    }

    /// Sets the little-endian CRC32C of `bytes[0..<offset]` at `offset`, if the bytes reach that far.
    static func fix(_ bytes: inout [UInt8], crcAt offset: Int) {
        guard bytes.count >= offset + 4 else { return }
        store(crc: bytes.withUnsafeBytes { ccrc32c_extend(0, $0.baseAddress, offset) }, in: &bytes, at: offset)
    }

    static func fixSegment(_ bytes: inout [UInt8]) {
        fix(&bytes, crcAt: 28)
        var offset = segmentHeaderSize
        while offset + 6 <= bytes.count {
            let length = Int(bytes[offset + 4]) | Int(bytes[offset + 5]) << 8
            guard recordLengths.contains(length), offset + length <= bytes.count else { return }
            let crc = bytes.withUnsafeBytes { ccrc32c_extend(0, $0.baseAddress! + offset + 4, length - 4) }
            store(crc: crc, in: &bytes, at: offset)
            offset += length
        }
    }

    static func store(crc: UInt32, in bytes: inout [UInt8], at offset: Int) {
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: crc >> (8 * index)) }
    }
}
