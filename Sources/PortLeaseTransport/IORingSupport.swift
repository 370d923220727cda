import CURing
import PortLeaseSystem
import SystemPackage

/// The start-up probe: can this process use io_uring the way the transport needs?
///
/// Checks `/proc/sys/kernel/io_uring_disabled`, creates a small ring and registers a
/// provided-buffer ring on it. `check()` returns nil when all of that works, otherwise the
/// error `portlease serve` prints before refusing to start (and tests use to skip).
public enum IORingSupport {
    /// The sysctl that can switch io_uring off (Linux 6.6): 0 allowed, 1 only for
    /// `kernel.io_uring_group` and CAP_SYS_ADMIN, 2 disabled for everyone.
    static let disabledSetting = "/proc/sys/kernel/io_uring_disabled"
    static let groupSetting = "/proc/sys/kernel/io_uring_group"

    /// Nil when io_uring with provided-buffer rings works here; otherwise why not and how to fix it.
    public static func check() -> TransportError? {
        if HostFacts.firstLine(of: disabledSetting) == "2" {
            return setupError(SystemCallError("io_uring_queue_init", code: .notPermitted))
        }
        do {
            let ring = try IORing(entries: 4, completionEntries: 8)
            defer { ring.close() }
            let memory = try SystemCalls.transport { () throws(SystemCallError) in
                try MappedMemory(length: MappedMemory.pageSize, purpose: "probe buffer ring")
            }
            try SystemCalls.registerBufferRing(ring.ring, address: memory.base, entries: 8, group: 0)
            ring.close()
            _ = consume memory  // unmapped only after the ring that used it is gone
            return nil
        } catch {
            return error
        }
    }

    /// The error for a failed `io_uring_setup`, naming the cause: the sysctl's value, seccomp, or
    /// a kernel without io_uring.
    static func setupError(_ failure: SystemCallError) -> TransportError {
        let setting = HostFacts.firstLine(of: disabledSetting)
        switch failure.code {
        case .noFunction:
            return .ioUringUnavailable(
                reason: "io_uring_setup returned ENOSYS: the kernel (\(HostFacts.kernelRelease())) has no "
                    + "io_uring (built without CONFIG_IO_URING), or a seccomp filter answers ENOSYS for it. "
                    + "Fix: run on Linux 6.1 or later with io_uring, or allow io_uring_setup, io_uring_enter and "
                    + "io_uring_register in the container's seccomp profile",
                failure: failure)
        case .notPermitted where setting == "2":
            return .ioUringUnavailable(
                reason: "kernel.io_uring_disabled is 2: io_uring is disabled for every process. "
                    + "Fix: sysctl -w kernel.io_uring_disabled=0 (and set it in /etc/sysctl.d/ to keep it)",
                failure: failure)
        case .notPermitted where setting == "1":
            let group = HostFacts.firstLine(of: groupSetting) ?? "-1"
            return .ioUringUnavailable(
                reason: "kernel.io_uring_disabled is 1: io_uring is allowed only to members of group "
                    + "kernel.io_uring_group (\(group)) and to CAP_SYS_ADMIN. Fix: add the service user to "
                    + "that group, or sysctl -w kernel.io_uring_disabled=0",
                failure: failure)
        case .notPermitted:
            return .ioUringUnavailable(
                reason: "io_uring_setup returned EPERM while kernel.io_uring_disabled is "
                    + "\(setting ?? "absent"): a seccomp filter blocks io_uring (Docker's default profile, "
                    + "systemd SystemCallFilter=, ...). Fix: allow io_uring_setup, io_uring_enter and "
                    + "io_uring_register (e.g. docker run --security-opt seccomp=<profile with io_uring>)",
                failure: failure)
        case .noMemory:
            var named = failure
            named.operation +=
                " (locked-memory limit too low on kernels before 5.12: raise "
                + "RLIMIT_MEMLOCK, e.g. LimitMEMLOCK= in the systemd unit)"
            return .systemCall(named)
        default:
            return .systemCall(failure)
        }
    }
}
