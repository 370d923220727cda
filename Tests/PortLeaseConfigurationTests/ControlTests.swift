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

/// The control API's optional TCP listener and its token.
@Suite struct ControlTCPTests {
    @Test func aLoopbackListenerNeedsNoTokenAndAnyOtherDoes() throws {
        let loopback = try ServerConfiguration.parse(Samples.document(#""control": { "listen": "127.0.0.1:9548" }"#))
        #expect(loopback.controlTCP == .init(host: "127.0.0.1", port: 9548, tokenFile: nil))
        let v6 = try ServerConfiguration.parse(Samples.document(#""control": { "listen": "[::1]:0" }"#))
        #expect(v6.controlTCP?.host == "::1")
        let open = Samples.reasons(
            Samples.document(#""control": { "listen": "192.0.2.7:9548" }"#), at: "control.listen")
        #expect(open.count == 1)
        #expect(open.first?.contains("not a loopback address") == true, "\(open)")
        let guarded = try ServerConfiguration.parse(
            Samples.document(#""control": { "listen": "[2001:db8::1]:9548", "token-file": "/etc/portlease/token" }"#))
        #expect(guarded.controlTCP == .init(host: "2001:db8::1", port: 9548, tokenFile: "/etc/portlease/token"))
    }

    @Test func clientCertificatesGuardAnyAddressAndEachFileIsNamed() throws {
        let tls = #""tls": { "certificate-file": "/c.pem", "key-file": "/k.pem", "client-ca-file": "/ca.pem" }"#
        let guarded = try ServerConfiguration.parse(
            Samples.document(#""control": { "listen": "192.0.2.7:9548", \#(tls) }"#))
        #expect(guarded.controlTCP?.tls == .init(certificateFile: "/c.pem", keyFile: "/k.pem", clientCAFile: "/ca.pem"))
        #expect(guarded.controlTCP?.tokenFile == nil)
        let missing = Samples.reasons(
            Samples.document(#""control": { "listen": "127.0.0.1:0", "tls": { "certificate-file": "/c.pem" } }"#),
            at: "control.tls.key-file")
        #expect(missing.first?.contains("required") == true, "\(missing)")
        let unused = Samples.reasons(Samples.document(#""control": { \#(tls) }"#), at: "control.tls")
        #expect(unused.first?.contains("only used with") == true, "\(unused)")
    }

    @Test func aTokenWithoutAListenerAndBadAddressesAreNamed() {
        #expect(
            !Samples.reasons(Samples.document(#""control": { "token-file": "/t" }"#), at: "control.token-file").isEmpty)
        #expect(
            !Samples.reasons(Samples.document(#""control": { "listen": "::1:9548" }"#), at: "control.listen").isEmpty)
        #expect(
            !Samples.reasons(Samples.document(#""control": { "listen": "nowhere" }"#), at: "control.listen").isEmpty)
    }
}
