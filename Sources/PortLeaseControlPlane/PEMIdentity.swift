import NIOSSL

/// A TLS identity read from PEM files at start-up: this instance's certificate chain and key,
/// and the CAs a peer's certificate must be signed by (mutual TLS). Shared by the control
/// API's TCP listener and the replication link, so both read and refuse files alike.
public struct PEMIdentity {
    /// Why a file could not be used: its path and the reason.
    public struct Failure: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    public let chain: [NIOSSLCertificateSource]
    public let key: NIOSSLPrivateKey
    public let authorities: [NIOSSLCertificate]

    /// Reads the three files; `authoritiesName` names the CA file's role in errors ("client CA
    /// certificates"). Throws for a file that cannot be read or parsed, or holds no certificate.
    public init(certificateFile: String, keyFile: String, caFile: String, authoritiesName: String) throws(Failure) {
        func load<Value>(_ path: String, _ what: String, _ body: () throws -> Value) throws(Failure) -> Value {
            do {
                return try body()
            } catch {
                throw Failure(path: path, reason: "cannot read the \(what) (PEM): \(error)")
            }
        }
        chain = try load(certificateFile, "certificate") {
            try NIOSSLCertificate.fromPEMFile(certificateFile).map { NIOSSLCertificateSource.certificate($0) }
        }
        key = try load(keyFile, "private key") { try NIOSSLPrivateKey(file: keyFile, format: .pem) }
        authorities = try load(caFile, authoritiesName) { try NIOSSLCertificate.fromPEMFile(caFile) }
        guard !chain.isEmpty else { throw Failure(path: certificateFile, reason: "no certificate in the file") }
        guard !authorities.isEmpty else { throw Failure(path: caFile, reason: "no certificate in the file") }
    }

    /// Settings that present this identity and accept a peer only with a certificate one of
    /// ``authorities`` signed (host names are not checked: peers are addressed by IP).
    public func configuration(server: Bool) -> TLSConfiguration {
        var configuration =
            server
            ? TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            : TLSConfiguration.makeClientConfiguration()
        configuration.certificateChain = chain
        configuration.privateKey = .privateKey(key)
        configuration.trustRoots = .certificates(authorities)
        // A server that verifies asks every client for a certificate and refuses one without.
        configuration.certificateVerification = .noHostnameVerification
        configuration.minimumTLSVersion = .tlsv12
        return configuration
    }
}
