import NIOSSL
import PortLeaseConfiguration

/// The TLS of the control API's TCP listener: the server's certificate and key, and mutual TLS,
/// where a client is admitted only with a certificate that a CA of `client-ca-file` signed (no
/// certificate, or another CA's: the handshake fails, before any HTTP). Built once at start-up
/// from PEM files; a file that cannot be read or parsed stops the start with its path.
enum ControlTLSContext {
    static func configuration(_ files: PortLeaseConfiguration.ServerConfiguration.ControlTLS) throws(ControlError)
        -> TLSConfiguration
    {
        func load<Value>(_ path: String, _ what: String, _ body: () throws -> Value) throws(ControlError) -> Value {
            do {
                return try body()
            } catch {
                throw .cannotPrepare(path, reason: "cannot read the \(what) (PEM): \(error)")
            }
        }
        let chain = try load(files.certificateFile, "certificate") {
            try NIOSSLCertificate.fromPEMFile(files.certificateFile).map { NIOSSLCertificateSource.certificate($0) }
        }
        let key = try load(files.keyFile, "private key") { try NIOSSLPrivateKey(file: files.keyFile, format: .pem) }
        let authorities = try load(files.clientCAFile, "client CA certificates") {
            try NIOSSLCertificate.fromPEMFile(files.clientCAFile)
        }
        guard !chain.isEmpty else { throw .cannotPrepare(files.certificateFile, reason: "no certificate in the file") }
        guard !authorities.isEmpty else {
            throw .cannotPrepare(files.clientCAFile, reason: "no certificate in the file")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain, privateKey: .privateKey(key))
        configuration.trustRoots = .certificates(authorities)
        // A server that verifies asks every client for a certificate and refuses one without.
        configuration.certificateVerification = .noHostnameVerification
        configuration.minimumTLSVersion = .tlsv12
        return configuration
    }
}
