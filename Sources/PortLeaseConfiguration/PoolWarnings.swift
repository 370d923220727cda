import LeaseEngine
import PortLeaseSystem
import PortLeaseWire

/// What `portlease check-config` (and `portlease serve`, at start) warns about
/// without refusing the file: pools that can never serve anyone, and `match`
/// entries that can never fit a query.
extension ServerConfiguration {
    /// Every warning, with the key path it is about. `interfaceExists` says whether
    /// this host has an interface of that name (the real lookup by default).
    public func warnings(
        interfaceExists: (String) -> Bool = { (try? NetworkInterface.index(named: $0)) != nil }
    ) -> [ConfigurationProblem] {
        var warnings: [ConfigurationProblem] = redundancyWarnings()
        let pools = engine.pools
        for (index, pool) in pools.enumerated() {
            let path = ConfigurationReader.path("pools", index: index)
            warnings += Self.matchWarnings(pool.match, at: path + ".match", interfaceExists: interfaceExists)
            if !pool.match.isDefault && !Self.canFit(pool.match, interfaceExists: interfaceExists) {
                warnings.append(
                    ConfigurationProblem(
                        keyPath: path + ".match",
                        reason: "pool \"\(pool.name)\" can never serve anyone: no entry of its match can fit a query"))
            }
            if pool.match.isDefault && !pool.fallback,
                let covering = pools.firstIndex(where: { Self.fitsEveryClient($0.match) })
            {
                warnings.append(
                    ConfigurationProblem(
                        keyPath: path,
                        reason:
                            "pool \"\(pool.name)\" can never serve anyone: pool \"\(pools[covering].name)\" "
                            + "(pools[\(covering)]) matches every client (client-prefixes ::/0), and a pool without "
                            + "\"match\" serves only clients no matched pool fits; set \"fallback\": true to use it "
                            + "once the matched pools are full"))
            }
        }
        return warnings
    }

    /// A match with a client prefix of length 0 fits every query.
    static func fitsEveryClient(_ match: PoolPolicy.Match) -> Bool {
        match.clientPrefixes.contains { $0.length == 0 }
    }

    /// Multicast addresses are never a client's source nor a relay's link-address
    /// (RFC 8415 section 9), and an interface this host lacks receives nothing.
    private static func matchWarnings(
        _ match: PoolPolicy.Match, at path: String, interfaceExists: (String) -> Bool
    ) -> [ConfigurationProblem] {
        var warnings: [ConfigurationProblem] = []
        for (key, prefixes) in [("client-prefixes", match.clientPrefixes), ("link-addresses", match.linkPrefixes)] {
            for (index, prefix) in prefixes.enumerated() where isMulticast(prefix) {
                warnings.append(
                    ConfigurationProblem(
                        keyPath: ConfigurationReader.path(path + "." + key, index: index),
                        reason: "\(prefix) is multicast (ff00::/8) and can never fit a client or relay address"))
            }
        }
        for (index, name) in match.interfaces.enumerated() where !interfaceExists(name) {
            warnings.append(
                ConfigurationProblem(
                    keyPath: ConfigurationReader.path(path + ".interfaces", index: index),
                    reason: "this host has no interface named \"\(name)\" now; queries can only fit it once it exists"))
        }
        return warnings
    }

    private static func canFit(_ match: PoolPolicy.Match, interfaceExists: (String) -> Bool) -> Bool {
        match.clientPrefixes.contains { !isMulticast($0) } || match.linkPrefixes.contains { !isMulticast($0) }
            || !match.interfaceIDs.isEmpty || match.interfaces.contains(where: interfaceExists)
    }

    private static func isMulticast(_ prefix: IPv6Prefix) -> Bool {
        prefix.length >= 8 && prefix.address.high >> 56 == 0xFF
    }
}
