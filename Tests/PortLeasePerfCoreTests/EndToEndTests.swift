import Foundation
import LeaseEngine
import Logging
import PortLeasePerfCore
import PortLeaseServer
import PortLeaseTransport
import PortLeaseWire
import Testing

/// The generator against a real in-process `PortLeaseServer.Server` and against the echo
/// responder, over loopback and io_uring. Skipped (with the reason) where io_uring is not available.
@Suite(
    .enabled(
        if: IORingSupport.check() == nil, "io_uring is unavailable here: \(IORingSupport.check().map { "\($0)" } ?? "")"
    ))
struct EndToEndTests {
    static let loopback = IPv6Address(high: 0, low: 1)

    static func withServer(_ body: (Server) throws -> Void) throws {
        let directory = NSTemporaryDirectory() + "portlease-perf-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let engine = EngineConfiguration(
            serverIdentifier: IPv4Address(192, 0, 2, 1),
            pools: [
                PoolPolicy(
                    name: "map", kind: .shared(.init(psidOffset: 6, defaultPSIDLength: 6)),
                    addressRanges: [IPv4Address(198, 51, 100, 1)...IPv4Address(198, 51, 100, 16)]),
                PoolPolicy(
                    name: "full", kind: .full(servePortParamsClients: false),
                    addressRanges: [IPv4Address(203, 0, 113, 1)...IPv4Address(203, 0, 113, 200)]),
            ])
        let server = Server(
            settings: Server.Settings(
                engine: engine, listenAddresses: [loopback], port: 0, dhcp4o6ServerAddresses: [loopback], workers: 2,
                queueDepth: 256, leaseLogDirectory: directory, metrics: nil),
            logger: Logger(label: "perf-e2e"))
        try server.start()
        defer {
            server.stop()
            server.wait()
        }
        try body(server)
    }

    static func run(
        _ scenario: Scenario, port: UInt16, subscribers: Int, exchanges: Int, relays: Int = 0, full: Bool = false,
        rate: Double? = nil
    ) throws -> PerfReport {
        let settings = LoadSettings(
            exchange: ExchangeSettings(
                scenario: scenario, subscribers: subscribers, relays: relays, full: full,
                timeoutNanoseconds: 2_000_000_000),
            server: SocketAddress6(address: loopback, port: port), rate: rate, window: 16, exchanges: exchanges)
        return try LoadRunner(settings: settings).run()
    }

    @Test func doraAgainstTheServerCompletesWithoutErrors() throws {
        try Self.withServer { server in
            let report = try Self.run(.dora, port: server.port, subscribers: 300, exchanges: 600, relays: 1)
            #expect(report.completed == 600)
            #expect(report.errorTotal == 0, "\(report.text)")
            #expect(report.leasesHeld == 300)
            #expect(report.received == 1200)
        }
    }

    @Test func renewFullAddressesAndInformationRequests() throws {
        try Self.withServer { server in
            let renew = try Self.run(.renew, port: server.port, subscribers: 100, exchanges: 300, relays: 2)
            #expect(renew.completed == 300)
            #expect(renew.errorTotal == 0, "\(renew.text)")
            // One subscriber per exchange: at a fixed rate the generator skips a start when every
            // subscriber is still busy, which a loaded machine (CI runs suites side by side) made
            // happen with 50 subscribers for 100 exchanges (27 skipped, counted as errors).
            let full = try Self.run(
                .doraRelease, port: server.port, subscribers: 100, exchanges: 100, full: true, rate: 2000)
            #expect(full.completed == 100)
            #expect(full.errorTotal == 0, "\(full.text)")
            let information = try Self.run(.infoRequest, port: server.port, subscribers: 10, exchanges: 50)
            #expect(information.completed == 50)
            #expect(information.errorTotal == 0, "\(information.text)")
        }
    }

    @Test func echoCeiling() throws {
        let responder = try EchoResponder(address: Self.loopback, port: 0)
        let thread = Thread { try? responder.run() }
        thread.start()
        defer { responder.stop() }
        let report = try Self.run(
            .echo, port: responder.socket.localAddress.port, subscribers: 64, exchanges: 2000, relays: 1)
        #expect(report.completed == 2000)
        #expect(report.errorTotal == 0, "\(report.text)")
    }
}
