import Foundation
import PortLeaseServer
import PortLeaseWire
import Testing

@Suite struct ServerIdentityTests {
    /// A generated DUID-UUID is stored (hex, one line, written atomically: no temporary file
    /// left) in a directory created as needed, and the same DUID is read back on the next start.
    @Test func aGeneratedDUIDIsStoredAndKept() throws {
        try withTemporaryDirectory { base in
            let state = base + "/state/leases"
            let duid = try ServerIdentity.duid(configured: nil, stateDirectory: state)
            #expect(duid.count == 18)
            #expect(Array(duid.prefix(2)) == [0x00, 0x04])
            let path = state + "/" + ServerIdentity.fileName
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text == HexBytes.text(duid) + "\n")
            let names = try FileManager.default.contentsOfDirectory(atPath: state)
            #expect(names == [ServerIdentity.fileName])
            let again = try ServerIdentity.duid(configured: nil, stateDirectory: state)
            #expect(again == duid)
        }
    }

    /// A configured DUID wins and nothing is written.
    @Test func aConfiguredDUIDIsUsedAsIs() throws {
        try withTemporaryDirectory { base in
            let configured: [UInt8] = [0x00, 0x03, 0x00, 0x01, 2, 0, 0, 0, 0, 1]
            let duid = try ServerIdentity.duid(configured: configured, stateDirectory: base)
            #expect(duid == configured)
            let names = try FileManager.default.contentsOfDirectory(atPath: base)
            #expect(names.isEmpty)
        }
    }
}
