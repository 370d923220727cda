import Testing

@testable import PortSetPool

@Suite struct PSIDLayoutTests {
    @Test func rfc7597ExampleOffsetSixLengthEight() throws {
        // RFC 7597 appendix: a = 6, k = 8, PSID 0x34 holds 1232-1235, 2256-2259, ..., 64720-64723.
        let ports = try PSIDLayout(offset: 6, length: 8).portSet(psid: 0x34)
        #expect(ports.count == 63 * 4)
        #expect(Array(ports.prefix(5)) == [1232, 1233, 1234, 1235, 2256])
        #expect(ports.last == 64723)
    }

    @Test func mapDefaultSetsAvoidWellKnownPorts() throws {
        let layout = try PSIDLayout(offset: 6, length: 6)
        #expect(layout.portsPerSet == 1008)
        for psid in 0..<64 {
            let ports = try layout.portSet(psid: psid)
            #expect(ports.min()! >= 1024)
            #expect(!ports.overlaps(0...1023))
        }
    }

    @Test func lightweight4over6SetsAreContiguousBlocks() throws {
        let layout = try PSIDLayout(offset: 0, length: 6)
        for psid in [0, 1, 17, 63] {
            let ports = try layout.portSet(psid: psid)
            #expect(Array(ports) == (psid * 1024..<(psid + 1) * 1024).map { UInt16($0) })
        }
        #expect(try layout.portSet(psid: 0).overlaps(0...1023))
        #expect(try !layout.portSet(psid: 1).overlaps(0...1023))
    }

    /// Every port maps back to the one PSID whose set contains it; the sets of one layout
    /// partition the ports at or above `2^(16 - a)` (all ports when a = 0).
    @Test(arguments: [(0, 0), (0, 4), (1, 3), (4, 8), (6, 6), (6, 10), (10, 6), (16, 0), (2, 14)])
    func inverseMatchesSetsExactly(offset: Int, length: Int) throws {
        let layout = try PSIDLayout(offset: offset, length: length)
        var owner = [Int](repeating: -1, count: 65536)
        for psid in 0..<layout.psidCount {
            let ports = try layout.portSet(psid: psid)
            var seen = 0
            for port in ports {
                #expect(owner[Int(port)] == -1, "port \(port) in two sets")
                owner[Int(port)] = psid
                seen += 1
            }
            #expect(seen == ports.count)
            #expect(seen == layout.portsPerSet)
        }
        let unowned = offset == 0 ? 0 : 1 << (16 - offset)
        for port in 0..<65536 {
            let expected = port < unowned ? nil : owner[port]
            #expect(layout.psid(containing: UInt16(port)) == expected)
            if port >= unowned { #expect(owner[port] != -1) }
        }
    }

    @Test func rejectsInvalidParameters() {
        #expect(throws: PortSetError.invalidOffset(-1)) { try PSIDLayout(offset: -1, length: 0) }
        #expect(throws: PortSetError.invalidOffset(17)) { try PSIDLayout(offset: 17, length: 0) }
        #expect(throws: PortSetError.invalidLength(offset: 6, length: 11)) { try PSIDLayout(offset: 6, length: 11) }
        #expect(throws: PortSetError.invalidLength(offset: 0, length: -1)) { try PSIDLayout(offset: 0, length: -1) }
        #expect(throws: PortSetError.invalidPSID(psid: 64, length: 6)) {
            try PSIDLayout(offset: 6, length: 6).portSet(psid: 64)
        }
        #expect(throws: PortSetError.invalidPSID(psid: -1, length: 6)) {
            try PSIDLayout(offset: 6, length: 6).portSet(psid: -1)
        }
    }
}
