import PortLeaseSystem
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
        let disabled = TransportError.ioUringUnavailable(
            reason: "kernel.io_uring_disabled is 2",
            failure: SystemCallError(operation: "io_uring_queue_init", errno: EPERM))
        #expect(disabled.description.hasPrefix("io_uring unavailable: kernel.io_uring_disabled is 2"))
        #expect(disabled.description.contains("errno \(EPERM)"))
        guard case .systemCall(let failure) = bind else {
            Issue.record("systemCall(_:errno:) is not a .systemCall")
            return
        }
        #expect(failure.operation == "bind [::]:547" && failure.path == nil && failure.errno == EADDRINUSE)
    }
}
