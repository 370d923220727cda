import LeaseLog
import Testing

@Suite struct CRC32CTests {
    @Test func knownVectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum([]) == 0)
    }

    @Test func hardwareAndTablesAgreeAtEveryLengthAndAlignment() {
        let data = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        data.withUnsafeBytes { bytes in
            for start in 0..<9 {
                for length in stride(from: 0, through: bytes.count - start, by: 7) {
                    let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + length)])
                    #expect(CRC32C.checksum(slice) == CRC32C.portableChecksum(slice))
                }
            }
        }
    }

    @Test func continuingEqualsWhole() {
        let data = Array("The lease log checksums every record".utf8)
        data.withUnsafeBytes { bytes in
            let first = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<10]))
            #expect(
                CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[10...]), continuing: first)
                    == CRC32C.checksum(bytes))
        }
    }
}
