import Foundation
import LeaseLog
import Logging
import PortLeaseServer
import PortLeaseTestSupport
import PortLeaseTransport
import PortLeaseWire
import Testing

/// The server as a service: what `start()` leaves behind when it fails, and how `run()`
/// ends on graceful shutdown and on a part's failure. Real sockets, io_uring and logs.
@Suite(
    .enabled(
        if: IORingSupport.check() == nil, "io_uring is unavailable here: \(IORingSupport.check().map { "\($0)" } ?? "")"
    ))
struct ServerLifecycleTests {
    /// A UDP port that was free a moment ago.
    static func freeUDPPort() throws -> UInt16 {
        let probe = try UDPTestClient()
        return probe.port
    }

    /// True once `port` on ::1 can be bound (within 2 s: the kernel drops an io_uring's file
    /// references in the background after the ring is closed).
    static func canBind(udpPort port: UInt16) -> Bool {
        let deadline = Date().addingTimeInterval(2)
        while !bindOnce(udpPort: port) {
            guard Date() < deadline else { return false }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return true
    }

    static func bindOnce(udpPort port: UInt16) -> Bool {
        let descriptor = socket(AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr = in6addr_loopback
        address.sin6_port = port.bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0
            }
        }
    }

    /// Descriptors of this process open on files under `directory`.
    static func openFiles(under directory: String) -> [String] {
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return descriptors.compactMap {
            try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0)
        }
        .filter { $0.hasPrefix(directory) }
    }

    static func settings(_ directory: String, port: UInt16, metricsPort: UInt16) -> Server.Settings {
        Server.Settings(
            engine: ServerFixtures.engineConfiguration(), listenAddresses: [IPv6Address("::1")!], port: port,
            dhcp4o6ServerAddresses: [IPv6Address("::1")!], workers: 2, queueDepth: 256,
            leaseLogDirectory: directory, metrics: ("127.0.0.1", metricsPort))
    }

    /// The metrics port is taken: `start()` throws at its last step, after the logs, sockets
    /// and rings were opened, and closes them all.
    @Test func aFailedStartLeavesNoSocketOrLogOpen() throws {
        try withTemporaryDirectory { directory in
            let holder = try MetricsEndpoint(host: "127.0.0.1", port: 0) { "" }
            let port = try Self.freeUDPPort()
            let server = Server(
                settings: Self.settings(directory, port: port, metricsPort: holder.port), logger: Logger(label: "test"))
            #expect {
                try server.start()
            } throws: { error in
                "\(error)".contains("bind metrics 127.0.0.1:\(holder.port)")
            }
            #expect(server.workers.isEmpty && server.sockets.isEmpty && server.metricsEndpoint == nil)
            #expect(Self.canBind(udpPort: port), "the UDP socket was closed")
            #expect(Self.openFiles(under: directory).isEmpty, "every log segment was closed")
        }
    }

    /// Graceful shutdown under `run()`: it returns, the workers having committed, and the
    /// ports and logs are released.
    @Test func stopUnderRunReturnsAndReleasesEverything() async throws {
        try await withTemporaryDirectory { directory in
            let server = Server(
                settings: Self.settings(directory, port: 0, metricsPort: 0), logger: Logger(label: "test"))
            try server.start()
            let port = server.port
            let running = Task { try await server.run() }
            let client = try UDPTestClient()
            let ack = try ServerEndToEndTests.dora(WireClient(number: 11), via: client, server: server)
            #expect(ack?.messageType == .ack)
            server.stop()
            try await running.value
            #expect(Self.canBind(udpPort: port))
            #expect(Self.openFiles(under: directory).isEmpty)
        }
    }

    /// A shard's fdatasync fails while serving: `run()` ends with that shard's fault
    /// (status 74) once the other parts have stopped, and releases the ports.
    @Test func aFailedSyncEndsRunWithTheShardsFault() async throws {
        try await withTemporaryDirectory { directory in
            let fileSystem = FaultyFileSystem()
            var settings = Self.settings(directory, port: 0, metricsPort: 0)
            settings.leaseLogOptions.fileSystem = fileSystem
            let server = Server(settings: settings, logger: Logger(label: "test"))
            try server.start()
            let port = server.port
            let running = Task { try await server.run() }
            let client = try UDPTestClient()
            let wire = WireClient(number: 12)
            let offer = try #require(
                try ServerEndToEndTests.exchange(client, wire.datagram(wire.dhcpv4(.discover)), server: server))
            fileSystem.faults.withLock { $0.syncErrno = EIO }
            let request = wire.dhcpv4(
                .request, requested: offer.message.header.yiaddr, serverIdentifier: ServerFixtures.serverID,
                portParams: offer.message.option(.portParams))
            #expect(try ServerEndToEndTests.exchange(client, wire.datagram(request), server: server) == nil)
            await #expect {
                try await running.value
            } throws: { error in
                guard let fault = error as? FatalFault else { return false }
                return fault.status == .leaseLogFailed && fault.part.hasPrefix("shard-")
            }
            #expect(Self.canBind(udpPort: port))
        }
    }
}
