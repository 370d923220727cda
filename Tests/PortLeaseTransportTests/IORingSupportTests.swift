import PortLeaseSystem
import Testing

@testable import PortLeaseTransport

#if canImport(Glibc)
    import Glibc
#endif

@Suite("IORingSupport")
struct IORingSupportTests {
    /// The probe agrees with the setting: when io_uring is disabled for everyone it must fail.
    @Test func probeAgreesWithTheSysctl() {
        let problem = IORingSupport.check()
        if HostFacts.firstLine(of: IORingSupport.disabledSetting) == "2" {
            #expect(problem != nil)
        }
        if let problem { print("IORingSupportTests: io_uring unavailable here: \(problem)") }
    }

    /// The failed `io_uring_queue_init` with `errno`.
    private func setup(_ errno: Int32) -> SystemCallError {
        SystemCallError(operation: "io_uring_queue_init", errno: errno)
    }

    /// Setup failures name their cause and a fix, and keep the failed call.
    @Test func setupErrorsNameTheCause() {
        guard case .ioUringUnavailable(let noKernel, let failure) = IORingSupport.setupError(setup(ENOSYS)) else {
            Issue.record("ENOSYS is not ioUringUnavailable")
            return
        }
        #expect(failure.errno == ENOSYS)
        #expect(failure.operation == "io_uring_queue_init")
        #expect(noKernel.contains("ENOSYS"))
        guard case .ioUringUnavailable(let blocked, _) = IORingSupport.setupError(setup(EPERM)) else {
            Issue.record("EPERM is not ioUringUnavailable")
            return
        }
        #expect(blocked.contains("io_uring_disabled"))
        #expect(blocked.contains("Fix:"))
        #expect(IORingSupport.setupError(setup(EMFILE)) == .systemCall(setup(EMFILE)))
    }
}
