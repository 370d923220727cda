import Testing

@testable import PortLeaseConfiguration

/// The `"control"` section: where the control API's UNIX socket is, or that there is none.
@Suite struct ControlTests {
    @Test func theSocketIsInTheLeaseLogDirectoryByDefault() throws {
        let configuration = try ServerConfiguration.parse(Samples.document())
        #expect(configuration.control == .default)
        #expect(
            configuration.control.socketPath(leaseLogDirectory: configuration.leaseLog.directory)
                == "/tmp/portlease-test/control/api.sock")
    }

    @Test func aSocketCanBeNamedOrTurnedOff() throws {
        let named = try ServerConfiguration.parse(
            Samples.document(#""control": { "socket": "/run/portlease/api.sock" }"#))
        #expect(named.control.socketPath(leaseLogDirectory: "/x") == "/run/portlease/api.sock")
        let off = try ServerConfiguration.parse(Samples.document(#""control": { "socket": "off" }"#))
        #expect(off.control == .off)
        #expect(off.control.socketPath(leaseLogDirectory: "/x") == nil)
    }

    @Test func aPathTooLongForASocketIsRefusedWithItsLength() {
        let path = "/" + String(repeating: "d", count: 110)
        let reasons = Samples.reasons(Samples.document(#""control": { "socket": "\#(path)" }"#), at: "control.socket")
        #expect(reasons.count == 1)
        #expect(reasons.first?.contains("111 bytes") == true, "\(reasons)")
        #expect(reasons.first?.contains("at most 103") == true, "\(reasons)")
    }

    @Test func unknownKeysAndEmptyPathsAreNamed() {
        #expect(!Samples.reasons(Samples.document(#""control": { "listen": "x" }"#), at: "control.listen").isEmpty)
        #expect(!Samples.reasons(Samples.document(#""control": { "socket": "" }"#), at: "control.socket").isEmpty)
    }
}
