import Testing

@testable import PortLeaseWire

@Suite struct PortParamsTests {
    private func decode(_ bytes: [UInt8]) -> Result<PortParams, PortParamsError> {
        bytes.withUnsafeBytes { raw in
            do throws(PortParamsError) {
                return .success(try PortParams(wireValue: raw))
            } catch {
                return .failure(error)
            }
        }
    }

    /// PROTOCOL-NOTES.md: length 4, PSID 8 -> `04 80 00` after the offset byte.
    @Test func lengthFourPSIDEightIsLeftAligned() throws {
        let params = try PortParams(offset: 6, psidLength: 4, psid: 8)
        #expect(params.wirePSID == 0x8000)
        let bytes = try encode { writer throws(WireError) in try params.write(to: &writer) }
        #expect(bytes == hex("9f 04 06 04 80 00"))
        #expect(try decode(hex("06 04 80 00")).get() == params)
    }

    /// PROTOCOL-NOTES.md: length 6 with bytes `A4 00` -> PSID 0x29.
    @Test func lengthSixA400IsPSID0x29() throws {
        let params = try decode(hex("00 06 a4 00")).get()
        #expect(params.offset == 0)
        #expect(params.psidLength == 6)
        #expect(params.psid == 0x29)
    }

    @Test func extremesRoundTrip() throws {
        for (offset, length, psid) in [(0, 0, 0), (0, 16, 0xFFFF), (15, 1, 1), (6, 10, 0x3FF), (0, 1, 1)]
            as [(UInt8, UInt8, UInt16)]
        {
            let params = try PortParams(offset: offset, psidLength: length, psid: psid)
            let bytes = try encode { writer throws(WireError) in try params.write(to: &writer) }
            #expect(try decode(Array(bytes.dropFirst(2))).get() == params)
        }
    }

    @Test func eachViolationIsItsOwnError() {
        #expect(decode(hex("06 04 80")) == .failure(.badLength(3)))
        #expect(decode(hex("06 04 80 00 00")) == .failure(.badLength(5)))
        #expect(decode(hex("10 00 00 00")) == .failure(.offsetTooLarge(16)))
        #expect(decode(hex("00 11 00 00")) == .failure(.psidLengthTooLarge(17)))
        #expect(decode(hex("06 0b 00 00")) == .failure(.offsetPlusLengthTooLarge(offset: 6, psidLength: 11)))
        #expect(decode(hex("06 04 80 01")) == .failure(.psidBitsBeyondLength(field: 0x8001, psidLength: 4)))
        #expect(decode(hex("06 00 00 01")) == .failure(.psidBitsBeyondLength(field: 1, psidLength: 0)))
        #expect(throws: PortParamsError.psidTooLarge(psid: 2, psidLength: 1)) {
            try PortParams(offset: 0, psidLength: 1, psid: 2)
        }
    }

    @Test func badOption159InAMessageIsATypedError() {
        var bytes = Vectors.discover
        let at = bytes.count - 2  // the PSID field's low byte in "9f 04 06 06 00 00 ff"
        bytes[at] = 0x01
        #expect(
            parseError(bytes) { raw throws(WireError) in try DHCPv4MessageView(parsing: raw) }
                == .badPortParams(.psidBitsBeyondLength(field: 0x0001, psidLength: 6)))
    }
}
