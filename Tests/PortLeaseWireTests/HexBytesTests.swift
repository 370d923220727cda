import PortLeaseWire
import Testing

@Suite struct HexBytesTests {
    @Test func plainAndColonSeparatedFormsParse() {
        #expect(HexBytes.parse("0003000102005e") == [0, 3, 0, 1, 2, 0, 0x5E])
        #expect(HexBytes.parse("00:03:00:01:02:00:5E") == [0, 3, 0, 1, 2, 0, 0x5E])
    }

    @Test(arguments: ["", "0", "0g", "00:0", "000:00", "00::00", "00 00", ":00"])
    func anythingElseIsRefused(_ text: String) {
        #expect(HexBytes.parse(text) == nil)
    }

    @Test func whatIsPrintedParsesBack() {
        let bytes: [UInt8] = [0, 0x0A, 0xFF, 0x10]
        #expect(HexBytes.text(bytes) == "00:0a:ff:10")
        #expect(HexBytes.text(bytes, separator: "") == "000aff10")
        #expect(HexBytes.parse(HexBytes.text(bytes)) == bytes)
    }
}
