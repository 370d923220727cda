import LeaseEngine
import PortLeaseConfiguration
import PortLeaseWire
import Testing

/// The shipped examples and the issue's example load; what they load is what they say.
@Suite struct ConfigFileTests {
    static let files = [
        "quickstart.json", "map.json", "lw4o6.json", "mixed.json", "two-instance-a.json", "two-instance-b.json",
    ]

    @Test(arguments: files) func eachExampleLoadsWithoutProblems(_ file: String) throws {
        let configuration = try ServerConfiguration.load(contentsOf: Samples.configDirectory + "/" + file)
        #expect(!configuration.engine.pools.isEmpty)
        // What the server does next: build the shared pools, one partition per worker.
        let pools = try configuration.makePools()
        #expect(pools.count == configuration.engine.pools.count)
    }

    @Test func quickstartIsWhatTheReadmeRuns() throws {
        let configuration = try ServerConfiguration.load(contentsOf: Samples.configDirectory + "/quickstart.json")
        #expect(configuration.listen.addresses == [IPv6Address("::1")!])
        #expect(configuration.listen.port == 10547)
        #expect(configuration.dhcp4o6ServerAddresses == [IPv6Address("::1")!])
        #expect(configuration.leaseLog.directory == "./var/lease-log")
        #expect(configuration.leaseLog.durability == .fsync)
        #expect(configuration.metrics == ServerConfiguration.Metrics(host: "127.0.0.1", port: 9547))
        #expect(configuration.workers == 2)
        let pools = configuration.engine.pools
        #expect(pools.map(\.isShared) == [true, false])
        guard case .shared(let shared) = pools[0].kind else { return }
        #expect(shared.psidOffset == 6 && shared.defaultPSIDLength == 6 && shared.maximumPSIDLength == 6)
    }

    @Test func twoInstancesSplitTheAddressesAndTheState() throws {
        let a = try ServerConfiguration.load(contentsOf: Samples.configDirectory + "/two-instance-a.json")
        let b = try ServerConfiguration.load(contentsOf: Samples.configDirectory + "/two-instance-b.json")
        for left in a.engine.pools.flatMap(\.addressRanges) {
            for right in b.engine.pools.flatMap(\.addressRanges) { #expect(!left.overlaps(right)) }
        }
        #expect(a.listen.port != b.listen.port)
        #expect(a.leaseLog.directory != b.leaseLog.directory)
        #expect(a.metrics?.port != b.metrics?.port)
        #expect(a.serverIdentifier != b.serverIdentifier)
    }

    /// The issue's example loads as written. (Its 16-address full pool is smaller than one
    /// 64-slot block per worker; the engine gives such a pool fewer partitions, which the two
    /// workers share.)
    @Test func theIssueExample() throws {
        #expect(Samples.problems(Samples.issueExample).isEmpty)
        let configuration = try ServerConfiguration.parse(Samples.issueExample)
        #expect(configuration.engine.subscriberKey == .clientPrefix(length: 56))
        #expect(configuration.engine.leasesPerSubscriber == 8)
        #expect(configuration.engine.pools.map(\.name) == ["map-shared", "full"])
    }

    @Test func aMissingFileIsUnreadable() {
        #expect {
            _ = try ServerConfiguration.load(contentsOf: "/nonexistent/portlease.json")
        } throws: { error in
            guard case .unreadable(let path, let reason)? = error as? ConfigurationError else { return false }
            return path == "/nonexistent/portlease.json" && reason == "No such file or directory"
        }
        #expect(throws: ConfigurationError.unreadable(path: "/", reason: "not a regular file")) {
            _ = try ServerConfiguration.load(contentsOf: "/")
        }
    }
}
