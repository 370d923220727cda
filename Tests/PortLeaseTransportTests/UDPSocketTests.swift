import PortLeaseTransport
import PortLeaseWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("UDPSocket")
struct UDPSocketTests {
    /// Port 0 binds a free port, and `localAddress` reports the real one.
    @Test func bindingPortZeroReportsTheRealPort() throws {
        let socket = try UDPSocket(bind: loopback, port: 0)
        defer { socket.close() }
        #expect(socket.localAddress.address == loopback)
        #expect(socket.localAddress.port != 0)
        #expect(socket.fileDescriptor >= 0)
    }

    /// A port held by a socket without SO_REUSEADDR cannot be bound: the error names "bind" and
    /// carries EADDRINUSE.
    @Test func bindingAPortInUseThrowsBind() throws {
        let holder = TestClient()
        do {
            _ = try UDPSocket(bind: loopback, port: holder.port)
            Issue.record("bind to a port in use succeeded")
        } catch {
            #expect(error == .systemCall("bind [::1]:\(holder.port)", errno: EADDRINUSE))
            #expect(error.description.hasPrefix("bind [::1]:\(holder.port): "))
        }
    }

    /// A multicast interface that does not exist is `.unknownInterface`, and no socket leaks.
    @Test func unknownInterfaceIsReported() {
        #expect(throws: TransportError.unknownInterface("portlease-no0")) {
            try UDPSocket(bind: .unspecified, port: 0, multicastInterfaces: ["portlease-no0"])
        }
    }

    /// The receive buffer can be raised (as root past net.core.rmem_max).
    @Test func receiveBufferCanBeRaised() throws {
        let socket = try UDPSocket(bind: loopback, port: 0)
        let granted = try socket.setReceiveBufferSize(1 << 20)
        #expect(granted >= 1 << 20 || getuid() != 0)
        #expect(granted > 0)
    }

    /// `close()` twice is harmless.
    @Test func closeIsIdempotent() throws {
        let socket = try UDPSocket(bind: loopback, port: 0)
        socket.close()
        socket.close()
    }

    /// As root, joining ff02::1:2 on `lo` works and a datagram sent to the group on `lo` reaches
    /// the loop with destination ff02::1:2 (skipped when not root, or when the kernel has no
    /// multicast on `lo`).
    @Test(
        .enabled(if: getuid() == 0, "needs root"),
        .enabled(if: IORingAvailability.available, "io_uring is unavailable here"))
    func joinsAllDHCPRelayAgentsAndServersOnLoopback() async throws {
        let socket = try UDPSocket(bind: .unspecified, port: 0, multicastInterfaces: ["lo"])
        let loop = try ReceiveLoop(sockets: [socket], bufferCount: 8, bufferSize: 2048, entries: 8)
        let seen = LoopHarness.Record()
        let thread = BackgroundThread {
            try? loop.run(
                handler: { datagram in
                    seen.observed.withLock { state in
                        state.sequences.insert(checkTestDatagram(datagram.payload) ?? -1)
                        state.wrongDestination.append(datagram.destination)
                    }
                }, batchEnd: {})
        }
        defer {
            loop.stop()
            thread.join()
        }
        let sender = try UDPSocket(bind: .unspecified, port: 0)
        let ring = try SendRing(capacity: 1)
        let group = SocketAddress6(
            address: .allDHCPRelayAgentsAndServers, port: socket.localAddress.port, scopeID: if_nametoindex("lo"))
        _ = testDatagram(5).withUnsafeBytes { ring.enqueue($0, on: sender, to: group) }
        #expect(joinedGroups().contains { $0.interface == "lo" && $0.group == "ff020000000000000000000000010002" })
        let sent = try ring.flush()
        guard sent == 1 else {
            print(
                "UDPSocketTests: the kernel does not route multicast on lo (errno \(ring.lastFailureErrno)); "
                    + "the join is checked, delivery is not")
            return
        }
        guard await waitUntil(seconds: 2, { loop.statistics.received == 1 }) else {
            print("UDPSocketTests: multicast on lo was sent but not looped back; the join is checked, delivery is not")
            return
        }
        #expect(seen.observed.withLock { $0.sequences } == [5])
        #expect(seen.observed.withLock { $0.wrongDestination } == [.allDHCPRelayAgentsAndServers])
    }
}

/// The (interface, group in hex) pairs of /proc/net/igmp6: the IPv6 multicast memberships.
func joinedGroups() -> [(interface: String, group: String)] {
    let fd = open("/proc/net/igmp6", O_RDONLY)
    guard fd >= 0 else { return [] }
    defer { close(fd) }
    var text: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count <= 0 { break }
        text += chunk[..<count]
    }
    return String(decoding: text, as: UTF8.self).split(separator: "\n").compactMap { line in
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        return fields.count >= 3 ? (String(fields[1]), String(fields[2])) : nil
    }
}
