import Testing

@testable import PortSetPool

@Suite struct AddressSpaceTests {
    @Test func indexesAreDenseInAddressOrder() throws {
        let space = try AddressSpace([0xC000_0210...0xC000_0212, 0x0A00_0000...0x0A00_0001, 0xFFFF_FFFF...0xFFFF_FFFF])
        #expect(space.count == 6)
        let expected: [UInt32] = [0x0A00_0000, 0x0A00_0001, 0xC000_0210, 0xC000_0211, 0xC000_0212, 0xFFFF_FFFF]
        for (index, address) in expected.enumerated() {
            #expect(space.index(of: address) == index)
            #expect(space.address(at: index) == address)
        }
        #expect(space.index(of: 0) == nil)
        #expect(space.index(of: 0x0A00_0002) == nil)
        #expect(space.index(of: 0xC000_0213) == nil)
    }

    @Test func rejectsEmptyAndOverlappingRanges() {
        #expect(throws: PoolError.noAddresses) { try AddressSpace([]) }
        #expect(throws: PoolError.overlappingAddressRanges(1...5, 5...6)) { try AddressSpace([5...6, 1...5]) }
    }
}
