import NIOSSL
import PortLeaseConfiguration
import PortLeaseControlPlane

/// The TLS of the control API's TCP listener: the server's certificate and key, and mutual TLS,
/// where a client is admitted only with a certificate that a CA of `client-ca-file` signed (no
/// certificate, or another CA's: the handshake fails, before any HTTP). Built once at start-up
/// from PEM files; a file that cannot be read or parsed stops the start with its path.
enum ControlTLSContext {
    static func configuration(_ files: PortLeaseConfiguration.ServerConfiguration.ControlTLS) throws(ControlError)
        -> TLSConfiguration
    {
        do throws(PEMIdentity.Failure) {
            return try PEMIdentity(
                certificateFile: files.certificateFile, keyFile: files.keyFile, caFile: files.clientCAFile,
                authoritiesName: "client CA certificates"
            ).configuration(server: true)
        } catch {
            throw .cannotPrepare(error.path, reason: error.reason)
        }
    }
}
