import LeaseEngine
import PortLeaseWire
import PortSetPool

/// The `pools` array: each pool, then what only shows across pools (names, overlaps,
/// the server identifier) and what only the built `PortSetPool` can judge.
extension ConfigurationReader {
    static let poolKeys = [
        "name", "addresses", "valid-lifetime", "renew-timer", "rebind-timer", "shared", "full", "match", "options",
        "search-order", "search-seed", "fallback", "utilisation-alarm",
    ]
    static let sharedKeys = ["psid-offset", "psid-length", "psid-length-min", "psid-length-max", "reserved-ports"]
    static let fullKeys = ["serve-port-params-clients"]
    static let matchKeys = ["client-prefixes", "link-addresses", "interface-ids", "interfaces"]

    /// What was read of one pool; `policy` is nil when anything in it is wrong, but the
    /// name and the valid ranges still take part in the checks across pools.
    struct PoolEntry {
        var path: String
        var name: String?
        /// Valid ranges with their index in `addresses`.
        var ranges: [(index: Int, range: ClosedRange<IPv4Address>)] = []
        var policy: PoolPolicy?
    }

    /// Every pool of the document's `pools`; nil when any is invalid (the problems are reported).
    func pools(_ root: JSONObject, workers: Int, serverIdentifier: IPv4Address?) -> [PoolPolicy]? {
        let path = root.path("pools")
        guard let value = root.required("pools", "an array of at least one pool") else { return nil }
        guard case .array(let values) = value else {
            report(path, "expected an array, found \(value.kind)")
            return nil
        }
        if values.isEmpty { report(path, "must hold at least one pool") }
        if values.count > 255 {
            report(path, "\(values.count) pools; at most 255 (a lease names its pool in one byte)")
        }
        let entries = values.enumerated().map { pool($1, at: Self.path(path, index: $0)) }
        reportDuplicateNames(entries)
        reportOverlaps(entries)
        if let serverIdentifier {
            for entry in entries {
                for (index, range) in entry.ranges where range.contains(serverIdentifier) {
                    report(
                        root.path("server-id"),
                        "\(serverIdentifier) is leased by pool \"\(entry.name ?? "?")\" "
                            + "(\(Self.path(entry.path + ".addresses", index: index))); "
                            + "the server identifier must not be an address the server hands out")
                }
            }
        }
        for entry in entries {
            guard let policy = entry.policy else { continue }
            let single = EngineConfiguration(serverIdentifier: .zero, pools: [policy])
            do throws(EngineError) {
                _ = try LeaseEngine.makePools(for: single, shards: workers)
            } catch {
                let problem = Self.problem(for: error, workers: workers) { _ in entry.path }
                report(problem.keyPath, problem.reason)
            }
        }
        let policies = entries.compactMap(\.policy)
        return policies.count == entries.count ? policies : nil
    }

    /// One pool object.
    private func pool(_ value: JSONValue, at path: String) -> PoolEntry {
        var entry = PoolEntry(path: path)
        let before = problems.count
        guard let object = object(value, at: path, keys: Self.poolKeys) else { return entry }

        entry.name = object.required("name", "a name for logs and metrics").flatMap { value in
            poolName(value, at: object.path("name"))
        }
        let addressesPath = object.path("addresses")
        if let addresses = object.required("addresses", "a list of prefixes, ranges or addresses") {
            if case .array(let items) = addresses {
                if items.isEmpty { report(addressesPath, "must list at least one prefix, range or address") }
                for (index, item) in items.enumerated() {
                    if let range = ipv4Range(item, at: Self.path(addressesPath, index: index)) {
                        entry.ranges.append((index, range))
                    }
                }
            } else {
                report(addressesPath, "expected an array, found \(addresses.kind)")
            }
        }
        let lifetime = object.integer("valid-lifetime", in: 1...Int(UInt32.max - 1), default: 3600)
        let renewal = object.integer("renew-timer", in: 1...Int(UInt32.max - 1))
        let rebinding = object.integer("rebind-timer", in: 1...Int(UInt32.max - 1))
        checkTimers(object, lifetime: lifetime, renewal: renewal, rebinding: rebinding)

        if object["shared"] != nil && object["full"] != nil {
            report(path, "has both \"shared\" and \"full\"; a pool is one or the other (no \"shared\": full)")
        }
        let kind: PoolPolicy.Kind
        if let shared = object.object("shared", keys: Self.sharedKeys) {
            kind = .shared(sharedParameters(shared))
        } else {
            let full = object.object("full", keys: Self.fullKeys)
            kind = .full(servePortParamsClients: full?.bool("serve-port-params-clients", default: false) ?? false)
        }
        let match = object.object("match", keys: Self.matchKeys).map(match) ?? PoolPolicy.Match()
        let fallback = object.bool("fallback", default: false)
        if fallback && !match.isDefault {
            report(
                object.path("fallback"),
                "only a pool without \"match\" can be a fallback (for clients whose matched pools are full)")
        }
        let alarm = object.integer("utilisation-alarm", in: 1...100, default: 90)
        let options = object.object("options", keys: Self.optionKeys).map(poolOptions) ?? PoolOptions()
        let order = object.choice("search-order", among: ["sequential", "random"], default: "sequential")
        let seed = object.integer("search-seed", in: 0...Int.max)
        if seed != nil && order != "random" {
            report(object.path("search-seed"), "is only used with \"search-order\": \"random\"")
        }
        let searchOrder: PoolConfiguration.SearchOrder =
            order == "random"
            ? .random(seed: seed.map { UInt64($0) } ?? UInt64.random(in: 0...UInt64.max)) : .sequential

        guard problems.count == before, let name = entry.name else { return entry }
        entry.policy = PoolPolicy(
            name: name, kind: kind, addressRanges: entry.ranges.map(\.range), validLifetime: UInt32(lifetime),
            renewalTime: renewal.map { UInt32($0) }, rebindingTime: rebinding.map { UInt32($0) }, match: match,
            fallback: fallback, options: options, searchOrder: searchOrder, utilisationAlarm: alarm)
        return entry
    }

    /// Letters, digits, `-`, `_` and `.`: the name appears in log lines and metric labels.
    private func poolName(_ value: JSONValue, at path: String) -> String? {
        guard let name = string(value, at: path) else { return nil }
        guard (1...64).contains(name.count), Self.isPlainName(name) else {
            report(path, "\"\(name)\": a pool name is 1 to 64 letters, digits, '-', '_' or '.'")
            return nil
        }
        return name
    }

    /// T1 < T2 < lifetime, with the engine's defaults (T1 = 1/2, T2 = 7/8 of the lifetime)
    /// standing in for a timer not given.
    private func checkTimers(_ object: JSONObject, lifetime: Int, renewal: Int?, rebinding: Int?) {
        let effectiveRebinding = rebinding ?? lifetime * 7 / 8
        if let rebinding, rebinding >= lifetime {
            report(object.path("rebind-timer"), "\(rebinding) must be below valid-lifetime (\(lifetime))")
        }
        if let renewal, renewal >= effectiveRebinding {
            let bound =
                rebinding == nil
                ? "the default rebind-timer (7/8 of valid-lifetime: \(effectiveRebinding))"
                : "rebind-timer (\(effectiveRebinding))"
            report(object.path("renew-timer"), "\(renewal) must be below \(bound)")
        }
    }

    /// `shared`: PSID offset and lengths, reserved ports. What depends on how the pool
    /// packs slots (the rule for lengths above 6, a reserved set covering every port set)
    /// is left to building the pool.
    private func sharedParameters(_ object: JSONObject) -> PoolPolicy.SharedParameters {
        let offset = object.integer("psid-offset", in: 0...15, default: 6)
        let length = object.integer("psid-length", in: 0...10, default: 6)
        let minimum = object.integer("psid-length-min", in: 0...10)
        let maximum = object.integer("psid-length-max", in: 0...10)
        let lengthName = object["psid-length"] == nil ? "psid-length (default \(length))" : "psid-length \(length)"
        if let minimum, minimum > length {
            report(object.path("psid-length-min"), "\(minimum) is above \(lengthName)")
        }
        if let maximum, maximum < length {
            report(object.path("psid-length-max"), "\(maximum) is below \(lengthName)")
        }
        let finest = maximum ?? length
        if offset + finest > 16 {
            let key = maximum != nil ? "psid-length-max" : "psid-length"
            report(
                object.path(key),
                "psid-offset \(offset) + \(key) \(finest) = \(offset + finest) bits, more than the 16 bits of a port")
        }
        var reserved: [ClosedRange<Int>] = [0...1023]
        if let ranges = object.list("reserved-ports", element: { portRange($0, at: $1) }) {
            reserved = ranges
        }
        return PoolPolicy.SharedParameters(
            psidOffset: offset, defaultPSIDLength: length, minimumPSIDLength: minimum, maximumPSIDLength: maximum,
            reservedPorts: reserved)
    }

    /// `match`: client prefixes, relay link prefixes, Interface-IDs, interfaces.
    private func match(_ object: JSONObject) -> PoolPolicy.Match {
        var match = PoolPolicy.Match()
        match.clientPrefixes = object.list("client-prefixes") { ipv6Prefix($0, at: $1) } ?? []
        match.linkPrefixes = object.list("link-addresses") { ipv6Prefix($0, at: $1) } ?? []
        match.interfaceIDs = object.list("interface-ids", element: interfaceID) ?? []
        match.interfaces = object.list("interfaces") { interfaceName($0, at: $1) } ?? []
        for key in Self.matchKeys {
            if case .array(let items) = object[key], items.isEmpty {
                report(object.path(key), "is empty; leave the key out (a pool without criteria serves every client)")
            }
        }
        return match
    }

    /// An Interface-ID as text (`"eth0/vlan100"`) or as hex after `0x` (`"0x0a0b"`).
    private func interfaceID(_ value: JSONValue, at path: String) -> [UInt8]? {
        guard let text = string(value, at: path) else { return nil }
        if text.hasPrefix("0x") {
            guard let bytes = HexBytes.parse(text.dropFirst(2)) else {
                report(path, "\"\(text)\": after 0x, an even number of hex digits")
                return nil
            }
            return bytes
        }
        guard !text.isEmpty else {
            report(path, "an Interface-ID cannot be empty")
            return nil
        }
        return Array(text.utf8)
    }

    /// Reports every pool name used before.
    private func reportDuplicateNames(_ entries: [PoolEntry]) {
        var first: [String: String] = [:]
        for entry in entries {
            guard let name = entry.name else { continue }
            if let earlier = first[name] {
                report(entry.path + ".name", "\"\(name)\" is already the name of \(earlier)")
            } else {
                first[name] = entry.path
            }
        }
    }

    /// Reports every range that overlaps an earlier one (by address), in this pool or
    /// another, naming both pools: an address must belong to exactly one pool.
    private func reportOverlaps(_ entries: [PoolEntry]) {
        var all: [(range: ClosedRange<IPv4Address>, pool: Int, index: Int)] = []
        for (pool, entry) in entries.enumerated() {
            for (index, range) in entry.ranges { all.append((range, pool, index)) }
        }
        all.sort { ($0.range.lowerBound, $0.pool, $0.index) < ($1.range.lowerBound, $1.pool, $1.index) }
        var reach: (range: ClosedRange<IPv4Address>, pool: Int, index: Int)?
        var found: [(later: (pool: Int, index: Int), earlier: (pool: Int, index: Int), ranges: (String, String))] = []
        for item in all {
            if let widest = reach, widest.range.upperBound >= item.range.lowerBound {
                let (a, b) = (widest.pool, widest.index) < (item.pool, item.index) ? (widest, item) : (item, widest)
                found.append(((b.pool, b.index), (a.pool, a.index), (Self.text(b.range), Self.text(a.range))))
            }
            if reach == nil || item.range.upperBound > reach!.range.upperBound { reach = item }
        }
        found.sort { ($0.later.pool, $0.later.index) < ($1.later.pool, $1.later.index) }
        for overlap in found {
            let later = entries[overlap.later.pool]
            let earlier = entries[overlap.earlier.pool]
            let earlierPath = Self.path(earlier.path + ".addresses", index: overlap.earlier.index)
            let owner =
                overlap.later.pool == overlap.earlier.pool
                ? "of the same pool" : "of pool \"\(earlier.name ?? "?")\""
            report(
                Self.path(later.path + ".addresses", index: overlap.later.index),
                "\(overlap.ranges.0) of pool \"\(later.name ?? "?")\" overlaps \(overlap.ranges.1) \(owner) "
                    + "(\(earlierPath))")
        }
    }

    /// `first-last`, or one address.
    static func text(_ range: ClosedRange<IPv4Address>) -> String {
        range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound)-\(range.upperBound)"
    }

    /// An engine error as a problem; `poolPath` gives the key path of the pool named.
    static func problem(
        for error: EngineError, workers: Int, poolPath: (String) -> String
    ) -> ConfigurationProblem {
        switch error {
        case .tooManyPools(let count):
            return ConfigurationProblem(keyPath: "pools", reason: "\(count) pools; at most 255")
        case .invalidDefaultPSIDLength(let name, let length):
            return ConfigurationProblem(
                keyPath: poolPath(name) + ".shared.psid-length",
                reason: "\(length) is outside psid-length-min...psid-length-max")
        case .invalidPool(let name, let poolError):
            let problem = problem(for: poolError, workers: workers)
            return ConfigurationProblem(keyPath: path(poolPath(name), problem.keyPath), reason: problem.reason)
        case .poolMismatch, .invalidShard, .poolStructureChanged:
            return ConfigurationProblem(keyPath: "pools", reason: "cannot build the pools: \(error)")
        case .invalidReservation(let reservation, let reason):
            return ConfigurationProblem(keyPath: "reservations", reason: "\(reservation): \(reason)")
        }
    }

    /// A pool error as a problem with a key path inside the pool (empty: the pool itself).
    private static func problem(for error: PoolError, workers: Int) -> ConfigurationProblem {
        switch error {
        case .unsupportedPSIDLengths(let minimum, let maximum):
            return ConfigurationProblem(
                keyPath: "shared.psid-length-min",
                reason: "\(minimum) cannot be offered with psid-length-max \(maximum): above 6, "
                    + "the shortest length must be 0 or at least psid-length-max - 6 (\(maximum - 6))")
        case .invalidPortSet(let portSetError):
            return ConfigurationProblem(keyPath: "shared", reason: "invalid port-set layout: \(portSetError)")
        case .noAddresses:
            return ConfigurationProblem(keyPath: "addresses", reason: "must list at least one address")
        case .overlappingAddressRanges(let a, let b):
            return ConfigurationProblem(
                keyPath: "addresses",
                reason: "\(text(IPv4Address(a.lowerBound)...IPv4Address(a.upperBound))) overlaps "
                    + "\(text(IPv4Address(b.lowerBound)...IPv4Address(b.upperBound)))")
        case .invalidReservedPorts(let range):
            return ConfigurationProblem(
                keyPath: "shared.reserved-ports", reason: "\(range.lowerBound)-\(range.upperBound) is outside 0-65535")
        case .everyPortSetReserved:
            return ConfigurationProblem(
                keyPath: "shared.reserved-ports",
                reason: "every port set touches a reserved port, so the pool could never hand one out; "
                    + "reserve fewer ports or change psid-offset / psid-length-max")
        case .poolTooLarge(let slots):
            return ConfigurationProblem(
                keyPath: "addresses",
                reason:
                    "\(slots) port-set slots (addresses x 2^psid-length-max), more than the \(PortSetPool.maximumSlots) "
                    + "a pool can hold; split it into several pools")
        case .invalidPartitionCount:
            return ConfigurationProblem(
                keyPath: "addresses",
                reason: "the pool cannot be split into even one partition of 64 port-set slots; add addresses")
        case .invalidPartition, .unsupportedLength, .addressNotInPool, .invalidPSID, .reservedPortSet, .notAllocated:
            return ConfigurationProblem(keyPath: "", reason: "cannot build the pool: \(error)")
        }
    }
}
