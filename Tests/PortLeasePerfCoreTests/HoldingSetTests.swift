import PortLeasePerfCore
import PortLeaseWire
import Testing

struct HoldingSetTests {
    static let a = IPv4Address(198, 51, 100, 1)
    static let b = IPv4Address(198, 51, 100, 2)

    static func set(_ length: UInt8, _ psid: UInt16) -> PortParams {
        try! PortParams(offset: length > 10 ? 0 : 6, psidLength: length, psid: psid)
    }

    @Test func samePortSetTwiceOverlaps() {
        let holdings = HoldingSet()
        #expect(holdings.insert(Self.a, Self.set(6, 5)))
        #expect(!holdings.insert(Self.a, Self.set(6, 5)))
        #expect(holdings.insert(Self.a, Self.set(6, 6)))
        #expect(holdings.insert(Self.b, Self.set(6, 5)))
        #expect(holdings.count == 3)
    }

    @Test func differentPSIDLengthsOnOneAddress() {
        let holdings = HoldingSet()
        // 4-bit PSID 0b0101 holds the 6-bit PSIDs 0b0101xx.
        #expect(holdings.insert(Self.a, Self.set(4, 0b0101)))
        #expect(!holdings.insert(Self.a, Self.set(6, 0b01_0110)))
        #expect(!holdings.insert(Self.a, Self.set(2, 0b01)))
        #expect(holdings.insert(Self.a, Self.set(6, 0b01_1000)))
        // Now a shorter set containing that one is refused too, and the full address.
        #expect(!holdings.insert(Self.a, Self.set(3, 0b011)))
        #expect(!holdings.insert(Self.a, nil))
        #expect(holdings.insert(Self.a, Self.set(3, 0b111)))
        #expect(holdings.count == 3)
    }

    @Test func fullAddressExcludesEveryPortSet() {
        let holdings = HoldingSet()
        #expect(holdings.insert(Self.a, nil))
        #expect(!holdings.insert(Self.a, Self.set(16, 1)))
        #expect(!holdings.insert(Self.a, nil))
        #expect(holdings.insert(Self.b, Self.set(16, 1)))
    }

    @Test func removeFreesTheSetAndItsAncestors() {
        let holdings = HoldingSet()
        #expect(holdings.insert(Self.a, Self.set(8, 200)))
        #expect(!holdings.insert(Self.a, nil))
        holdings.remove(Self.a, Self.set(8, 200))
        #expect(holdings.count == 0)
        #expect(!holdings.contains(Self.a, Self.set(8, 200)))
        #expect(holdings.insert(Self.a, nil))
        holdings.remove(Self.a, Self.set(8, 200))  // not held: nothing happens
        #expect(holdings.contains(Self.a, nil))
    }

    @Test func manyLeasesGrowTheTableAndStayConsistent() {
        let holdings = HoldingSet(expected: 4)
        for address in 0..<64 {
            for psid in 0..<64 {
                #expect(holdings.insert(IPv4Address(UInt32(address)), Self.set(6, UInt16(psid))))
            }
        }
        #expect(holdings.count == 4096)
        for address in 0..<64 where address % 2 == 0 {
            for psid in 0..<64 { holdings.remove(IPv4Address(UInt32(address)), Self.set(6, UInt16(psid))) }
        }
        #expect(holdings.count == 2048)
        var refused = 0
        for address in 0..<64 where !holdings.insert(IPv4Address(UInt32(address)), nil) { refused += 1 }
        #expect(refused == 32)
        #expect(holdings.contains(IPv4Address(63), Self.set(6, 63)))
        #expect(!holdings.contains(IPv4Address(62), Self.set(6, 63)))
    }
}
