import Testing

@testable import PortLeaseWire

@Suite struct ClientKeyTests {
    @Test(arguments: [1, 16, 31, 32, 33, 64, 255])
    func equalBytesMakeEqualKeysAtEveryLength(count: Int) {
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) }
        let a = ClientKey(kind: .clientIdentifier, bytes: bytes)
        let b = bytes.withUnsafeBytes { ClientKey(kind: .clientIdentifier, bytes: $0) }
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a.bytes == bytes)
        #expect(a.count == count)
        var changed = bytes
        changed[count - 1] ^= 0xFF
        #expect(ClientKey(kind: .clientIdentifier, bytes: changed) != a)
        #expect(ClientKey(kind: .clientIdentifier, bytes: bytes + [0]) != a)
    }

    @Test func kindIsPartOfTheIdentity() {
        let bytes: [UInt8] = [1, 2, 0, 0x5E, 0x10, 0x20, 0x30]
        let id = ClientKey(kind: .clientIdentifier, bytes: bytes)
        let hw = ClientKey(kind: .hardwareAddress, bytes: bytes)
        #expect(id != hw)
        #expect(id.stableHash != hw.stableHash)
        #expect(Set([id, hw]).count == 2)
    }

    @Test func hardwareKeyIsTypeThenAddress() {
        let key = Vectors.clientMAC.withUnsafeBytes { ClientKey(hardwareType: 1, address: $0) }
        #expect(key == ClientKey(kind: .hardwareAddress, bytes: [1] + Vectors.clientMAC))
        #expect(key.description == "hw:01:02:00:5e:10:20:30")
    }

    /// The shard of a client must not move between runs: the hash is a fixed function.
    @Test func stableHashIsFNV1aOverKindAndBytes() {
        let key = ClientKey(kind: .clientIdentifier, bytes: [0x61])
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte: UInt8 in [1, 0x61] { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        #expect(key.stableHash == hash)
    }
}
