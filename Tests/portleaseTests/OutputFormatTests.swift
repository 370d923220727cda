import Foundation
import PortLeaseWire
import Testing

@testable import portlease

/// The byte writers `portlease leases` formats with: the same text as the String forms
/// they replace, and JSON that a JSON parser reads back.
@Suite struct OutputFormatTests {
    static func text(_ write: (inout OutputBuffer) -> Void) -> String {
        var out = OutputBuffer()
        write(&out)
        return out.string
    }

    @Test func ipv6AddressesAsIPv6AddressDescriptionPrintsThem() {
        var random = SystemRandomNumberGenerator()
        var addresses = [
            IPv6Address.unspecified, IPv6Address(high: 0, low: 1), IPv6Address(high: 0x2001_0DB8_0000_0000, low: 1),
            IPv6Address("2001:db8:0:1:1:1:1:1")!, IPv6Address("2001:0:0:1:0:0:0:1")!, IPv6Address("fe80::")!,
            IPv6Address("1:0:0:2:0:0:0:3")!, IPv6Address("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")!,
        ]
        for _ in 0..<5_000 {
            // Mostly-zero groups, so runs of zeros of every length and position occur.
            let mask = UInt64.random(in: 0...UInt64.max, using: &random)
            var high: UInt64 = 0
            var low: UInt64 = 0
            for group in 0..<4 where mask >> UInt64(group) & 1 == 1 {
                high |= UInt64.random(in: 1...0xFFFF) << (16 * UInt64(group))
            }
            for group in 0..<4 where mask >> UInt64(group + 4) & 1 == 1 {
                low |= UInt64.random(in: 1...0xFFFF) << (16 * UInt64(group))
            }
            addresses.append(IPv6Address(high: high, low: low))
        }
        for address in addresses {
            #expect(Self.text { $0.append(address) } == address.description)
        }
    }

    @Test func ipv4HexAndDecimalAsTheStringFormsPrintThem() {
        for address in [IPv4Address(0), IPv4Address(198, 51, 100, 7), IPv4Address(255, 255, 255, 255)] {
            #expect(Self.text { $0.append(address) } == address.description)
        }
        let bytes: [UInt8] = [0x00, 0x0F, 0xA0, 0xFF, 0x5E]
        #expect(Self.text { out in bytes.withUnsafeBytes { out.appendHex($0) } } == HexBytes.text(bytes))
        #expect(Self.text { $0.appendDecimal(Int64.min) } == "\(Int64.min)")
        #expect(Self.text { $0.appendDecimal(UInt64(7), width: 3) } == "007")
    }

    @Test func oddBytesAreEscapedSoAParserReadsThemBack() throws {
        let bytes: [UInt8] = [0x22, 0x5C, 0x01, 0x0A, 0x0D, 0x09, 0x1F, 0x7F, 0x2F, 0xC3, 0xA9, 0xF0, 0x9F, 0x98, 0x80]
        let json = Self.text { out in bytes.withUnsafeBytes { LeaseJSON.writeString($0, to: &out) } }
        #expect(json == "\"\\\"\\\\\\u0001\\n\\r\\t\\u001f\u{7F}/é😀\"")
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed) as? String
        #expect(parsed == String(decoding: bytes, as: UTF8.self))
    }

    @Test func bytesThatAreNotUTF8AreNotGivenAsText() {
        #expect([UInt8]([0x67, 0x65, 0xFF]).withUnsafeBytes { LeaseJSON.isUTF8($0) } == false)
        #expect([UInt8]([0xC3]).withUnsafeBytes { LeaseJSON.isUTF8($0) } == false)  // a truncated sequence
        #expect([UInt8]([0xC3, 0xA9, 0x00]).withUnsafeBytes { LeaseJSON.isUTF8($0) })
    }

    @Test func aBufferThatFlushesKeepsEveryByteInOrder() throws {
        let path = NSTemporaryDirectory() + "portlease-out-" + UUID().uuidString
        let descriptor = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
        #expect(descriptor >= 0)
        defer { unlink(path) }
        var out = OutputBuffer(descriptor: descriptor, capacity: 7)
        var expected = ""
        for number in 0..<1_000 {
            out.appendDecimal(UInt64(number))
            out.append(" lines of text\n")
            expected += "\(number) lines of text\n"
        }
        try out.finish()
        close(descriptor)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == expected)
    }
}
