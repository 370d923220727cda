import Foundation
import Testing

/// The control API's TCP listener with mutual TLS (`"control": {"tls": ...}`) in a real
/// `portlease serve`: certificates made by openssl, requests made by curl. A client with a
/// certificate of the configured CA is served; one without, or with another CA's, never
/// reaches HTTP.
@Suite(
    .enabled(
        if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/curl"), "needs openssl and curl"))
struct ControlTLSProcessTests {
    /// A CA, a server certificate for 127.0.0.1 and a client certificate it signed, and a
    /// client certificate of another (self-signed) CA, in `directory`.
    static func makeCertificates(in directory: String) throws {
        let sh = MulticastNamespaceTests.sh
        try "subjectAltName=IP:127.0.0.1\n".write(toFile: directory + "/san.ext", atomically: true, encoding: .utf8)
        for command in [
            "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=operators-ca",
            "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=portlease",
            "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile san.ext",
            "openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=noc",
            "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2",
            "openssl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.pem -days 2 -subj /CN=rogue",
        ] {
            let result = sh("cd \(directory) && \(command)")
            try #require(result.status == 0, "\(command): \(result.output)")
        }
    }

    static func configuration(directory: String, listen: String, tls: String, token: String = "") -> String {
        """
        { "server-id": "192.0.2.1", "listen": { "addresses": ["::1"], "port": \(FailurePolicyTests.port()) },
          "dhcp4o6-server-addresses": ["::1"], "workers": 1,
          "control": { "listen": "\(listen)" \(token) \(tls) },
          "lease-log": { "directory": "\(directory)/log", "durability": "none" },
          "pools": [ { "name": "map", "addresses": ["198.51.100.0/30"], "shared": { "psid-length": 6 } } ] }
        """
    }

    /// The `"tls"` member with the certificates `makeCertificates` wrote to `directory`, and `keyFile`.
    static func tls(_ directory: String, keyFile: String = "server.key") -> String {
        #", "tls": { "certificate-file": "\#(directory)/server.pem", "key-file": "\#(directory)/\#(keyFile)", "client-ca-file": "\#(directory)/ca.pem" }"#
    }

    /// Writes ``configuration(directory:listen:tls:token:)`` to `directory`/server.json; its path.
    @discardableResult
    static func write(directory: String, listen: String, tls: String) throws -> String {
        let config = directory + "/server.json"
        try configuration(directory: directory, listen: listen, tls: tls)
            .write(toFile: config, atomically: true, encoding: .utf8)
        return config
    }

    @Test func onlyClientsWithACertificateOfTheConfiguredCAAreServed() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.makeCertificates(in: directory)
        // A listener on every address needs no token with client certificates.
        let config = try Self.write(directory: directory, listen: "0.0.0.0:0", tls: Self.tls(directory))
        let checked = try CommandLineTests.run(["check-config", config])
        #expect(checked.status == 0, "\(checked.output) \(checked.errors)")
        try Self.write(directory: directory, listen: "127.0.0.1:0", tls: Self.tls(directory))
        let server = try ServeProcess(config: config, logPath: directory + "/server.log")
        defer { server.stop() }
        #expect(server.waitFor("client certificates required"), "\(server.log)")
        let port = try #require(server.log.firstMatch(of: /tcp=127\.0\.0\.1:(\d+)/).map { String($0.output.1) })
        let url = "https://127.0.0.1:\(port)/v1/status"
        let sh = MulticastNamespaceTests.sh
        let admitted = sh(
            "curl -sS --max-time 5 --cacert \(directory)/ca.pem --cert \(directory)/client.pem --key \(directory)/client.key \(url)"
        )
        #expect(admitted.status == 0 && admitted.output.contains("\"workers\":1"), "\(admitted.output)")
        let anonymous = sh("curl -sS --max-time 5 --cacert \(directory)/ca.pem \(url)")
        #expect(anonymous.status != 0 && !anonymous.output.contains("workers"), "\(anonymous.output)")
        let rogue = sh(
            "curl -sS --max-time 5 --cacert \(directory)/ca.pem --cert \(directory)/rogue.pem --key \(directory)/rogue.key \(url)"
        )
        #expect(rogue.status != 0 && !rogue.output.contains("workers"), "\(rogue.output)")
        let plain = sh("curl -sS --max-time 5 http://127.0.0.1:\(port)/v1/status")
        #expect(plain.status != 0 || !plain.output.contains("workers"), "\(plain.output)")
    }

    @Test func aMissingKeyStopsTheStartAndNamesTheFile() throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.makeCertificates(in: directory)
        let config = try Self.write(
            directory: directory, listen: "127.0.0.1:0", tls: Self.tls(directory, keyFile: "missing.key"))
        let server = try ServeProcess(config: config, logPath: directory + "/server.log")
        defer { server.stop() }
        #expect(server.waitForExit() == 1, "\(server.log)")
        #expect(server.log.contains("missing.key") && server.log.contains("cannot start"), "\(server.log)")
        // check-config: a non-loopback listener with neither token nor TLS is refused, naming both.
        try Self.write(directory: directory, listen: "0.0.0.0:0", tls: "")
        let checked = try CommandLineTests.run(["check-config", config])
        #expect(checked.status == 1 && (checked.output + checked.errors).contains("\"tls\""), "\(checked.errors)")
    }
}
