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
        if SystemCalls.readFirstLine(IORingSupport.disabledSetting) == "2" {
            #expect(problem != nil)
        }
        if let problem { print("IORingSupportTests: io_uring unavailable here: \(problem)") }
    }

    /// Setup failures name their cause and a fix.
    @Test func setupErrorsNameTheCause() {
        guard case .ioUringUnavailable(let noKernel, let errno) = IORingSupport.setupError(errno: ENOSYS) else {
            Issue.record("ENOSYS is not ioUringUnavailable")
            return
        }
        #expect(errno == ENOSYS)
        #expect(noKernel.contains("ENOSYS"))
        guard case .ioUringUnavailable(let blocked, _) = IORingSupport.setupError(errno: EPERM) else {
            Issue.record("EPERM is not ioUringUnavailable")
            return
        }
        #expect(blocked.contains("io_uring_disabled"))
        #expect(blocked.contains("Fix:"))
        #expect(IORingSupport.setupError(errno: EMFILE) == .systemCall("io_uring_queue_init", errno: EMFILE))
    }
}
