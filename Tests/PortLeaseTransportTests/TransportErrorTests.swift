import PortLeaseTransport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("TransportError")
struct TransportErrorTests {
    @Test func descriptionsNameTheCallAndErrno() {
        let bind = TransportError.systemCall("bind [::]:547", errno: EADDRINUSE)
        #expect(bind.description == "bind [::]:547: Address already in use (errno \(EADDRINUSE))")
        #expect(TransportError.unknownInterface("eth9").description.contains("eth9"))
        let disabled = TransportError.ioUringUnavailable(reason: "kernel.io_uring_disabled is 2", errno: EPERM)
        #expect(disabled.description.hasPrefix("io_uring unavailable: kernel.io_uring_disabled is 2"))
        #expect(disabled.description.contains("errno \(EPERM)"))
    }
}
