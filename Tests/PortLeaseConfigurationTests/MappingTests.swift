import LeaseEngine
import PortLeaseConfiguration
import PortLeaseWire
import PortSetPool
import Testing

/// Defaults, and what the keys become in `EngineConfiguration` and `PoolPolicy`.
@Suite struct MappingTests {
    @Test func defaults() throws {
        let configuration = try ServerConfiguration.parse(Samples.document())
        #expect(configuration.serverIdentifier == IPv4Address(192, 0, 2, 1))
        #expect(configuration.serverDUID == nil)
        #expect(
            configuration.listen == ServerConfiguration.Listen(addresses: [.unspecified], port: 547, interfaces: []))
        #expect(configuration.dhcp4o6ServerAddresses.isEmpty)
        #expect(configuration.workers == 2)
        #expect(configuration.queueDepth == 4096)
        #expect(
            configuration.leaseLog
                == ServerConfiguration.LeaseLogSettings(
                    directory: "/tmp/portlease-test", durability: .fsync, historyDays: 180, segmentSize: 64 << 20))
        #expect(configuration.metrics == nil)
        #expect(configuration.logLevel == "info")
        let engine = configuration.engine
        #expect(engine.offerLifetime == 60)
        #expect(engine.declineQuarantine == 86_400)
        #expect(engine.leasesPerSubscriber == nil)
        #expect(engine.subscriberKey == .none)
        let pool = try #require(engine.pools.first)
        #expect(pool.validLifetime == 3600 && pool.renewalTime == nil && pool.rebindingTime == nil)
        #expect(pool.kind == .shared(PoolPolicy.SharedParameters()))
        guard case .shared(let shared) = pool.kind else { return }
        #expect(shared.psidOffset == 6 && shared.defaultPSIDLength == 6)
        #expect(shared.minimumPSIDLength == 6 && shared.maximumPSIDLength == 6)
        #expect(shared.reservedPorts == [0...1023])
        #expect(pool.match.isDefault)
        #expect(pool.options == PoolOptions())
        #expect(pool.searchOrder == .sequential)
    }

    @Test func aPoolWithoutSharedIsFull() throws {
        let configuration = try ServerConfiguration.parse(Samples.pool(""))
        #expect(configuration.engine.pools[0].kind == .full(servePortParamsClients: false))
        let serving = try ServerConfiguration.parse(Samples.pool(#""full": { "serve-port-params-clients": true }"#))
        #expect(serving.engine.pools[0].kind == .full(servePortParamsClients: true))
    }

    @Test func theMixedExampleMapsEveryField() throws {
        let configuration = try ServerConfiguration.load(contentsOf: Samples.configDirectory + "/mixed.json")
        #expect(configuration.listen.interfaces == ["eth0", "eth1"])
        #expect(configuration.logLevel == "notice")
        #expect(configuration.leaseLog.historyDays == 365)
        #expect(configuration.engine.subscriberKey == .subscriberID)
        #expect(configuration.engine.leasesPerSubscriber == 4)
        let pools = configuration.engine.pools
        #expect(pools.map(\.name) == ["residential-shared", "business-full", "legacy-full"])

        #expect(
            pools[0].kind
                == .shared(.init(psidOffset: 6, defaultPSIDLength: 6, minimumPSIDLength: 5, maximumPSIDLength: 6)))
        #expect(pools[0].addressRanges == [IPv4Address(198, 51, 100, 0)...IPv4Address(198, 51, 100, 255)])
        #expect(pools[0].match.clientPrefixes == [IPv6Prefix("2001:db8:100::/40")!])

        #expect(pools[1].kind == .full(servePortParamsClients: false))
        #expect(pools[1].validLifetime == 86_400)
        #expect(pools[1].match.linkPrefixes == [IPv6Prefix("2001:db8:ff00::/48")!])
        #expect(pools[1].match.interfaceIDs == [Array("bng1/ge-0/0/1.100".utf8), [0x00, 0x0A, 0x0B, 0x0C]])
        let options = pools[1].options
        #expect(options.subnetMask == IPv4Address(255, 255, 255, 128))
        #expect(options.routers == [IPv4Address(203, 0, 113, 1)])
        #expect(options.domainName == "business.example.net")
        #expect(options.alwaysSend == [15])
        #expect(options.raw == [252: Array("http://wpad.example.net/proxy.pac".utf8)])

        #expect(pools[2].kind == .full(servePortParamsClients: true))
        #expect(pools[2].addressRanges == [IPv4Address(203, 0, 113, 128)...IPv4Address(203, 0, 113, 255)])
    }

    @Test func theMapExampleMapsTimersDUIDAndSearchOrder() throws {
        let configuration = try ServerConfiguration.load(contentsOf: Samples.configDirectory + "/map.json")
        #expect(configuration.serverDUID == [0x00, 0x03, 0x00, 0x01, 0x02, 0x00, 0x5E, 0x00, 0x00, 0x01])
        #expect(configuration.workers == 4)
        let pool = configuration.engine.pools[0]
        #expect(pool.renewalTime == 1800 && pool.rebindingTime == 3150)
        #expect(pool.options.interfaceMTU == 1460)
        #expect(pool.options.domainNameServers == [IPv4Address(192, 0, 2, 53), IPv4Address(192, 0, 2, 54)])
        guard case .random = pool.searchOrder else {
            Issue.record("expected a random search order, got \(pool.searchOrder)")
            return
        }
    }

    @Test func theLw4o6ExampleHasOffsetZero() throws {
        let configuration = try ServerConfiguration.load(contentsOf: Samples.configDirectory + "/lw4o6.json")
        #expect(configuration.engine.pools[0].kind == .shared(.init(psidOffset: 0, defaultPSIDLength: 6)))
        #expect(configuration.engine.subscriberKey == .remoteID && configuration.engine.leasesPerSubscriber == 1)
        #expect(configuration.metrics == ServerConfiguration.Metrics(host: "::1", port: 9547))
        #expect(configuration.metrics?.description == "[::1]:9547")
    }

    @Test func addressFormsAndTopLevelKeys() throws {
        let text = Samples.document(
            #"""
            "server-duid": "000300010200", "workers": 64, "queue-depth": 16, "offer-lifetime": 30,
            "decline-quarantine": 0, "log-level": "debug",
            "listen": { "addresses": ["2001:db8::1", "::ffff:192.0.2.1"], "port": 0, "interfaces": ["eth0.100"] },
            "lease-log": { "directory": "var/log", "durability": "none", "history-days": 7, "segment-size": 1048576,
                           "compaction-interval": 60, "direct-writes": false },
            "limits": { "subscriber-key": "client-prefix/48" }
            """#,
            pools: #"""
                { "name": "p", "addresses": ["198.51.100.64/26", "203.0.113.1-203.0.113.100", "192.0.2.200"],
                  "search-order": "random", "search-seed": 7, "valid-lifetime": 600, "renew-timer": 100,
                  "shared": {} }
                """#
        ).replacing(#""lease-log": { "directory": "/tmp/portlease-test" },"#, with: "")
        let configuration = try ServerConfiguration.parse(text)
        #expect(configuration.serverDUID == [0, 3, 0, 1, 2, 0])
        #expect(configuration.workers == 64 && configuration.queueDepth == 16 && configuration.logLevel == "debug")
        #expect(configuration.listen.addresses == [IPv6Address("2001:db8::1")!, IPv6Address("::ffff:c000:201")!])
        #expect(configuration.listen.port == 0 && configuration.listen.interfaces == ["eth0.100"])
        #expect(
            configuration.leaseLog
                == .init(
                    directory: "var/log", durability: .none, historyDays: 7, segmentSize: 1 << 20,
                    compactionIntervalSeconds: 60, directWrites: false))
        #expect(configuration.leaseLog.options.segmentMaxAge == 60_000)
        #expect(!configuration.leaseLog.options.directWrites)
        #expect(try ServerConfiguration.parse(Samples.document()).leaseLog.options.directWrites, "on by default")
        #expect(configuration.engine.offerLifetime == 30 && configuration.engine.declineQuarantine == 0)
        #expect(configuration.engine.subscriberKey == .clientPrefix(length: 48))
        #expect(configuration.engine.leasesPerSubscriber == 8)
        let pool = configuration.engine.pools[0]
        #expect(
            pool.addressRanges == [
                IPv4Address(198, 51, 100, 64)...IPv4Address(198, 51, 100, 127),
                IPv4Address(203, 0, 113, 1)...IPv4Address(203, 0, 113, 100),
                IPv4Address(192, 0, 2, 200)...IPv4Address(192, 0, 2, 200),
            ])
        #expect(pool.searchOrder == .random(seed: 7))
        #expect(pool.validLifetime == 600 && pool.renewalTime == 100)
        // The same text gives the same configuration (a fixed seed makes even random pools equal).
        #expect(try ServerConfiguration.parse(text) == configuration)
    }

    @Test func nullMeansAbsent() throws {
        let configuration = try ServerConfiguration.parse(Samples.document(#""metrics": null, "workers": null"#))
        #expect(configuration.metrics == nil && configuration.workers == 2)
    }
}
