import PortLeaseSystem
import SystemPackage
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("SystemCallError")
struct SystemCallErrorTests {
    /// A failed call names the operation, the path and the errno, and says it in one line.
    @Test func aFailedOpenNamesOperationPathAndErrno() {
        let missing = "/nonexistent-portlease/file"
        #expect {
            _ = try Files.open(missing, .readOnly)
        } throws: { error in
            guard let failure = error as? SystemCallError else { return false }
            return failure.operation == "open" && failure.path == missing && failure.code == .noSuchFileOrDirectory
                && failure.errno == ENOENT
                && failure.description == "open \(missing): No such file or directory (errno \(ENOENT))"
        }
    }

    /// Without a path (sockets, rings) the description leaves it out.
    @Test func aCallWithoutAPathSaysOnlyTheOperation() {
        let failure = SystemCallError("bind [::]:547", code: .addressInUse)
        #expect(failure.description == "bind [::]:547: Address already in use (errno \(EADDRINUSE))")
        #expect(failure == SystemCallError(operation: "bind [::]:547", errno: EADDRINUSE))
    }

    /// The raw-errno initializer the lease log's callers use keeps every field.
    @Test func theRawErrnoInitializerKeepsTheFields() {
        let failure = SystemCallError(operation: "fdatasync", path: "/var/lib/x.seg", errno: EIO)
        #expect(failure.operation == "fdatasync")
        #expect(failure.path == "/var/lib/x.seg")
        #expect(failure.code == .ioError)
    }

    /// A socket call that fails reports through the same type: a second bind of a UDP port.
    @Test func aSocketFailureIsTheSameType() throws {
        let first = try SocketCalls.udp6()
        defer { SocketCalls.close(first) }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr = in6addr_loopback
        try SocketCalls.bind(first, to: address, operation: "bind first")
        let bound = try SocketCalls.localAddress(of: first)
        #expect(bound.sin6_port != 0)
        let second = try SocketCalls.udp6()
        defer { SocketCalls.close(second) }
        #expect(throws: SystemCallError("bind second", code: .addressInUse)) {
            try SocketCalls.bind(second, to: bound, operation: "bind second")
        }
    }
}
