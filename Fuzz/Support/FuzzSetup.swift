import LeaseEngine
import PortLeaseServer
import PortLeaseWire

/// The server the harnesses drive: pools a few addresses large, so that a handful of
/// clients exhausts them, and timers of seconds, so that a few clock steps reach offer
/// timeouts, lease expiry and the end of a decline quarantine.
///
/// One byte picks a variant: the subscriber key (none, Remote-ID, client prefix /60,
/// Subscriber-ID), the per-subscriber limit (1 to 4), one or two shards, whether the full
/// pool serves clients asking for option 159, and whether a pool matched on the relay's
/// link comes first (and whether the catch-all pools are its fallback).
public struct FuzzSetup: Sendable {
    public static let serverIdentifier = IPv4Address(192, 0, 2, 1)
    public static let serverDUID: [UInt8] = [0, 3, 0, 1, 2, 0, 0x5E, 0, 0, 1]
    public static let serverAddresses = [IPv6Address(high: 0x2001_0DB8_0000_0000, low: 1)]
    /// Offer hold, lease time and decline quarantine, seconds.
    public static let offerLifetime: UInt32 = 30
    public static let validLifetime: UInt32 = 120
    public static let declineQuarantine: UInt32 = 60
    /// The DISCOVER rate per source prefix: low, so a short sequence reaches the limit.
    public static let discoverRate = DiscoverRate(perSecond: 1, burst: 4, prefixLength: 64)

    public var variant: UInt8
    public var shards: Int { variant & 4 != 0 ? 2 : 1 }

    public init(variant: UInt8) {
        self.variant = variant
    }

    /// The variant the datagram harness uses: Remote-ID limit of 2, two shards, the matched pool.
    public static let datagram = FuzzSetup(variant: 0b0100_1101)

    public var configuration: EngineConfiguration {
        let keys: [EngineConfiguration.SubscriberKey] = [.none, .remoteID, .clientPrefix(length: 60), .subscriberID]
        let key = keys[Int(variant & 3)]
        var pools = [
            PoolPolicy(
                name: "map",
                kind: .shared(.init(psidOffset: 6, defaultPSIDLength: 3, minimumPSIDLength: 2, maximumPSIDLength: 4)),
                addressRanges: [IPv4Address(198, 51, 100, 1)...IPv4Address(198, 51, 100, 2)],
                validLifetime: Self.validLifetime, fallback: variant & 0x80 != 0,
                options: PoolOptions(
                    subnetMask: IPv4Address(255, 255, 255, 0), routers: [IPv4Address(198, 51, 100, 254)],
                    domainNameServers: [IPv4Address(192, 0, 2, 53)], domainName: "isp.example")),
            PoolPolicy(
                name: "full", kind: .full(servePortParamsClients: variant & 0x20 != 0),
                addressRanges: [IPv4Address(203, 0, 113, 16)...IPv4Address(203, 0, 113, 17)],
                validLifetime: Self.validLifetime * 2, renewalTime: 20, rebindingTime: 40,
                fallback: variant & 0x80 != 0, options: PoolOptions(routers: [IPv4Address(203, 0, 113, 1)])),
        ]
        if variant & 0x40 != 0 {
            // lw4o6 (offset 0): PSID 0 holds the reserved ports 0-1023.
            pools.insert(
                PoolPolicy(
                    name: "link",
                    kind: .shared(
                        .init(psidOffset: 0, defaultPSIDLength: 2, minimumPSIDLength: 2, maximumPSIDLength: 2)),
                    addressRanges: [IPv4Address(192, 0, 2, 100)...IPv4Address(192, 0, 2, 100)],
                    validLifetime: Self.validLifetime,
                    match: .init(linkPrefixes: [IPv6Prefix(address: SeedClient.clientLink, length: 64)!])),
                at: 0)
        }
        return EngineConfiguration(
            serverIdentifier: Self.serverIdentifier, pools: pools, offerLifetime: Self.offerLifetime,
            declineQuarantine: Self.declineQuarantine,
            leasesPerSubscriber: key == .none ? nil : Int(variant >> 3 & 3) + 1, subscriberKey: key)
    }

    /// Fresh engines (one per shard, sharing fresh pools and one subscriber ledger) behind
    /// a classifier with the server's identity and ``discoverRate``, as `Server` builds them.
    /// With `classifier`, that one serves instead (the datagram harness keeps one per process).
    public func makePath(classifier: Classifier? = nil) -> ServerPath {
        let engines: [LeaseEngine]
        do throws(EngineError) {
            engines = try LeaseEngine.makeShards(configuration, count: shards)
        } catch {
            fatalError("the fuzz configuration is invalid: \(error)")
        }
        return ServerPath(engines: engines, classifier: classifier ?? makeClassifier())
    }

    /// A classifier for ``shards`` shards with the server's identity and ``discoverRate``.
    /// Its rate limiter hashes source prefixes with a random key per classifier, so in rare
    /// cases the prefixes of one input meet in the limiter's table in one run and not in another.
    public func makeClassifier() -> Classifier {
        Classifier(
            shardCount: shards, serverDUID: Self.serverDUID, serverAddresses: Self.serverAddresses,
            discoverRate: Self.discoverRate)
    }

    /// Where a datagram comes from: one of four sources (two in one /64, another /64, a
    /// link-local address), received on interface 1 from port 547 (a relay) or 546.
    public static func origin(_ selector: UInt8) -> DatagramOrigin {
        let sources = [
            IPv6Address(high: 0x2001_0DB8_0001_0000, low: 1), IPv6Address(high: 0x2001_0DB8_0001_0000, low: 2),
            IPv6Address(high: 0x2001_0DB8_0002_0000, low: 1), IPv6Address(high: 0xFE80_0000_0000_0000, low: 1),
        ]
        return DatagramOrigin(
            source: sources[Int(selector & 3)], sourcePort: selector & 4 != 0 ? 546 : 547, scopeID: 1,
            destination: serverAddresses[0], interfaceIndex: 1, socketIndex: 0)
    }

    /// A fixed start time (milliseconds since the epoch), so runs are reproducible.
    public static let startTime: Int64 = 1_800_000_000_000
}
