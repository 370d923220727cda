import Testing

@testable import LeaseLog

@Suite struct PortSetMathTests {
    /// Enumerates the ports of a PSID from the RFC 7597 formula and checks `contains` agrees on every port.
    @Test(arguments: [(UInt8(6), UInt8(6)), (0, 6), (4, 4), (0, 0), (6, 0), (2, 10), (0, 16)])
    func containsMatchesTheFormula(offset a: UInt8, length k: UInt8) {
        let m = 16 - Int(a) - Int(k)
        for psid in Array(Set([0, (1 << Int(k)) / 2, (1 << Int(k)) - 1])) {
            var ports = Set<Int>()
            for j in (a > 0 ? 1 : 0)..<(1 << Int(a)) where a > 0 || j == 0 {
                for i in 0..<(1 << m) { ports.insert(j << (16 - Int(a)) | psid << m | i) }
            }
            if k == 0 { ports = Set(0...65535) }
            for port in 0...65535 {
                let inside = PortSetMath.contains(port: UInt16(port), psid: UInt16(psid), psidLength: k, offset: a)
                if inside != ports.contains(port) {
                    Issue.record("a=\(a) k=\(k) psid=\(psid) port=\(port): \(inside)")
                    return
                }
            }
        }
    }

    @Test func mapDefaultExamples() {
        // a = 6, k = 6: PSID 1 holds ports 1040 ... 1055 (j = 1), never 0 ... 1023.
        #expect(PortSetMath.contains(port: 1040, psid: 1, psidLength: 6, offset: 6))
        #expect(PortSetMath.contains(port: 1055, psid: 1, psidLength: 6, offset: 6))
        #expect(!PortSetMath.contains(port: 1056, psid: 1, psidLength: 6, offset: 6))
        #expect(!PortSetMath.contains(port: 16, psid: 1, psidLength: 6, offset: 6))
    }
}
