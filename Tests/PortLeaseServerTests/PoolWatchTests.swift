import LeaseEngine
import PortLeaseServer
import PortLeaseWire
import Testing

@Suite struct PoolWatchTests {
    @Test func portSetsOfEverySizeCountTowardUtilisation() throws {
        // 4 addresses x 64 PSIDs, hints from 4 (4 slots) to 6 (1 slot), no reserved ports.
        let policy = PoolPolicy(
            name: "map",
            kind: .shared(.init(psidOffset: 6, defaultPSIDLength: 6, minimumPSIDLength: 4, reservedPorts: [])),
            addressRanges: [IPv4Address("198.51.100.1")!...IPv4Address("198.51.100.4")!], utilisationAlarm: 50)
        let pools = try LeaseEngine.makePools(
            for: EngineConfiguration(serverIdentifier: IPv4Address("192.0.2.1")!, pools: [policy]), shards: 1)
        let watch = PoolWatch(policies: [policy], pools: pools)
        #expect(watch.utilisationPerMille(0) == 0)
        for _ in 0..<32 { _ = try pools[0].allocate(from: 0, psidLength: 4) }  // 4 slots each: 128 of 256
        #expect(watch.utilisationPerMille(0) == 500)
        #expect(watch.isAlarmed(0))
        _ = try pools[0].allocate(from: 0, psidLength: 6)
        #expect(watch.utilisationPerMille(0) == 503)
        var relaxed = policy
        relaxed.utilisationAlarm = 60
        watch.update([relaxed])
        #expect(!watch.isAlarmed(0))
    }
}
