import Testing

@testable import PortSetPool

@Suite struct PortSetTests {
    @Test func overlapsMatchesAPortByPortCheck() throws {
        let ranges: [ClosedRange<Int>] = [0...1023, 1024...1024, 5000...5100, 65535...65535, 2000...2003, 1236...2255]
        for (offset, length) in [(0, 6), (6, 6), (6, 8), (4, 2), (2, 10)] {
            let layout = try PSIDLayout(offset: offset, length: length)
            for psid in 0..<layout.psidCount {
                let ports = try layout.portSet(psid: psid)
                for range in ranges {
                    #expect(ports.overlaps(range) == ports.contains { range.contains(Int($0)) })
                }
            }
        }
    }

    @Test func containsAgreesWithIteration() throws {
        let ports = try PSIDLayout(offset: 6, length: 6).portSet(psid: 5)
        let members = Set(ports)
        for port in 0...65535 {
            #expect(ports.contains(UInt16(port)) == members.contains(UInt16(port)))
        }
    }
}
