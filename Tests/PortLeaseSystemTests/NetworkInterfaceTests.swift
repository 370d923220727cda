import PortLeaseSystem
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("NetworkInterface")
struct NetworkInterfaceTests {
    /// The loopback interface's name and index map to each other.
    @Test func loopbackRoundTrips() throws {
        let index = try NetworkInterface.index(named: "lo")
        #expect(index > 0)
        #expect(NetworkInterface.name(index: index) == "lo")
        #expect(NetworkInterface.name(index: 0) == nil)
    }

    /// An interface that does not exist is ENODEV, with its name in the operation.
    @Test func anUnknownInterfaceIsNoSuchDevice() {
        #expect(throws: SystemCallError("if_nametoindex portlease-no0", code: .operationNotSupportedByDevice)) {
            _ = try NetworkInterface.index(named: "portlease-no0")
        }
    }

    /// The metrics listener binds a literal address (any port) and refuses a host name.
    @Test func tcpListenerBindsLiteralsOnly() throws {
        let listener = try #require(try SocketCalls.listenTCP(host: "127.0.0.1", port: 0, purpose: "test"))
        defer { SocketCalls.close(listener.descriptor) }
        #expect(listener.port != 0)
        #expect(try SocketCalls.listenTCP(host: "localhost", port: 0, purpose: "test") == nil)
    }
}
