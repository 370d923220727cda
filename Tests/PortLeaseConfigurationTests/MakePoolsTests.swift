import LeaseEngine
import PortLeaseConfiguration
import PortLeaseWire
import Testing

/// `makePools()` on a configuration built in code reports pool problems like `parse` does.
@Suite struct MakePoolsTests {
    @Test func aPoolTooSmallForTheWorkersIsReportedWithItsKeyPath() throws {
        let full = PoolPolicy(
            name: "small", kind: .full(servePortParamsClients: false),
            addressRanges: [IPv4Address(203, 0, 113, 16)...IPv4Address(203, 0, 113, 31)])
        let shared = PoolPolicy(
            name: "map", kind: .shared(.init()),
            addressRanges: [IPv4Address(198, 51, 100, 0)...IPv4Address(198, 51, 100, 255)])
        var configuration = ServerConfiguration(
            engine: EngineConfiguration(serverIdentifier: IPv4Address(192, 0, 2, 1), pools: [shared, full]),
            leaseLog: .init(directory: "/tmp/x"), workers: 2)
        #expect {
            _ = try configuration.makePools()
        } throws: { error in
            (error as? ConfigurationError)?.problems.map(\.keyPath) == ["pools[1].addresses"]
        }
        configuration.workers = 1
        #expect(try configuration.makePools().count == 2)
    }
}
