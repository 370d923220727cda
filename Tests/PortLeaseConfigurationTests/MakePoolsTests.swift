import LeaseEngine
import PortLeaseConfiguration
import PortLeaseWire
import Testing

/// `makePools()` on a configuration built in code reports pool problems like `parse` does.
@Suite struct MakePoolsTests {
    static let small = PoolPolicy(
        name: "small", kind: .full(servePortParamsClients: false),
        addressRanges: [IPv4Address(203, 0, 113, 16)...IPv4Address(203, 0, 113, 31)])

    @Test func aPoolOnlyThePoolCanJudgeIsReportedWithItsKeyPath() throws {
        let allReserved = PoolPolicy(
            name: "map", kind: .shared(.init(reservedPorts: [0...65535])),
            addressRanges: [IPv4Address(198, 51, 100, 0)...IPv4Address(198, 51, 100, 255)])
        let configuration = ServerConfiguration(
            engine: EngineConfiguration(serverIdentifier: IPv4Address(192, 0, 2, 1), pools: [Self.small, allReserved]),
            leaseLog: .init(directory: "/tmp/x"), workers: 2)
        #expect {
            _ = try configuration.makePools()
        } throws: { error in
            (error as? ConfigurationError)?.problems.map(\.keyPath) == ["pools[1].shared.reserved-ports"]
        }
    }

    @Test func aPoolSmallerThanABlockPerWorkerIsSharedByTheWorkers() throws {
        let configuration = ServerConfiguration(
            engine: EngineConfiguration(serverIdentifier: IPv4Address(192, 0, 2, 1), pools: [Self.small]),
            leaseLog: .init(directory: "/tmp/x"), workers: 4)
        let pools = try configuration.makePools()
        #expect(pools[0].partitionCount == 1)
    }
}
