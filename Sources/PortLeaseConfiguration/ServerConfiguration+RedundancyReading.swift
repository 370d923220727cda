/// Reading and checking the `"redundancy"` section (its types: `ServerConfiguration+Redundancy.swift`).
extension ServerConfiguration {
    /// What is odd in `"redundancy"` without being wrong, with its key path: a partner that no
    /// group names, which is harmless but most likely a group left out of this file. Separate
    /// from ``warnings(interfaceExists:)``; whoever prints warnings prints these too.
    public func redundancyWarnings() -> [ConfigurationProblem] {
        guard let redundancy else { return [] }
        return redundancy.partners.enumerated().compactMap { index, partner in
            let named = redundancy.poolGroups.contains { $0.active == partner.name || $0.standby == partner.name }
            return named
                ? nil
                : ConfigurationProblem(
                    keyPath: ConfigurationReader.path("redundancy.partners", index: index),
                    reason: "partner \"\(partner.name)\" is in no pool group: this instance neither replicates to "
                        + "it nor follows it")
        }
    }

    static let redundancyKeys = [
        "instance", "listen", "tls", "mode", "takeover-after", "heartbeat-interval", "require-standby",
        "standby-log-hold", "unanswered-secs", "failback-after", "partners", "pool-groups",
    ]
    static let redundancyTLSKeys = ["certificate-file", "key-file", "ca-file"]
    static let partnerKeys = ["name", "address"]
    static let poolGroupKeys = ["name", "pools", "standby-pools", "active", "standby"]

    /// `"redundancy"`. `pools` are the names of the file's pools in order; nil when a pool
    /// could not be read, and then which pools exist is not checked rather than checked wrongly.
    static func readRedundancy(_ object: JSONObject, pools: [String]?) -> Redundancy? {
        let reader = object.reader
        let before = reader.problems.count
        let instance = object.required("instance", "this instance's name, as its partners' files call it")
            .flatMap { redundancyName($0, at: object.path("instance"), reader, what: "an instance name") }
        let listen = object["listen"] == nil ? nil : readEndpoint(object, key: "listen", example: "[::]:8647")
        let tls = object.required("tls", "an object with \"certificate-file\", \"key-file\" and \"ca-file\"")
            .flatMap { reader.object($0, at: object.path("tls"), keys: redundancyTLSKeys) }.flatMap(readRedundancyTLS)
        let takeover = object.integer("takeover-after", in: 2...600) ?? (object["takeover-after"] == nil ? 10 : nil)
        let heartbeat =
            object.integer("heartbeat-interval", in: 1...60) ?? (object["heartbeat-interval"] == nil ? 1 : nil)
        if let takeover, let heartbeat, heartbeat * 2 > takeover {
            let bound = object["takeover-after"] == nil ? "(default \(takeover))" : "(\(takeover))"
            reader.report(
                object.path("heartbeat-interval"),
                "\(heartbeat) is more than half of takeover-after \(bound): a standby must miss at least two "
                    + "heartbeats before it takes over")
        }
        let requireStandby = object.bool("require-standby", default: false)
        let hold =
            object.integer("standby-log-hold", in: 0...2_592_000) ?? (object["standby-log-hold"] == nil ? 3600 : nil)
        let unansweredSecs = object.integer("unanswered-secs", in: 1...3600)
        let failbackAfter = object.integer("failback-after", in: 1...86_400)
        let mode = object.choice("mode", among: ["synchronous", "asynchronous"], default: "synchronous")
        let partners = readPartners(object, instance: instance)
        let groups = readPoolGroups(object, instance: instance, partners: partners, pools: pools)

        if object["listen"] == nil, let group = groups.standbyOf {
            reader.report(
                object.path("listen"),
                "is required: this instance is the standby of \(group), and its active connects here to "
                    + "replicate (\"host:port\" such as \"[::]:8647\")")
        }
        if requireStandby, let pools {
            for (index, name) in pools.enumerated() where groups.claimed[name] == nil {
                reader.report(
                    ConfigurationReader.path("pools", index: index),
                    "pool \"\(name)\" is in no pool group, and \"redundancy.require-standby\" is true: add it to a "
                        + "group in \"redundancy.pool-groups\"")
            }
        }
        guard reader.problems.count == before, let instance, let tls, let takeover, let heartbeat, let hold else {
            return nil
        }
        var redundancy = Redundancy(
            instance: instance, listen: listen.map { Redundancy.Endpoint(host: $0.host, port: $0.port) }, tls: tls,
            takeoverAfterMilliseconds: takeover * 1000, heartbeatMilliseconds: heartbeat * 1000,
            requireStandby: requireStandby, partners: partners.partners, poolGroups: groups.groups)
        redundancy.synchronous = mode == "synchronous"
        redundancy.standbyLogHoldMilliseconds = hold * 1000
        redundancy.unansweredSecs = unansweredSecs
        redundancy.failbackAfterMilliseconds = failbackAfter.map { $0 * 1000 }
        return redundancy
    }

    /// The array at `key`, each element with its key path; nil (reported) when absent or not an
    /// array. An empty one is reported with `empty`.
    private static func elements(
        _ object: JSONObject, _ key: String, _ what: String, empty: String
    ) -> [(value: JSONValue, path: String)]? {
        let items = object.required(key, what).flatMap { object.reader.list($0, at: object.path(key)) { ($0, $1) } }
        if items?.isEmpty == true { object.reader.report(object.path(key), empty) }
        return items
    }

    /// What was read of `"partners"`. `names` is nil when some partner has no readable name:
    /// then a group naming an unknown instance is not refused, as it may name that partner.
    private struct PartnerList {
        var partners: [Redundancy.Partner] = []
        var names: [String]? = []
    }

    private static func readPartners(_ object: JSONObject, instance: String?) -> PartnerList {
        let reader = object.reader
        var list = PartnerList()
        let what = "an array of the other instances, such as [{\"name\": \"b\", \"address\": \"[2001:db8::2]:8647\"}]"
        guard let items = elements(object, "partners", what, empty: "must list at least one partner") else {
            return PartnerList(names: nil)
        }
        var first: [String: String] = [:]
        for (item, itemPath) in items {
            guard let partner = reader.object(item, at: itemPath, keys: partnerKeys) else {
                list.names = nil
                continue
            }
            let name = partner.required("name", "the partner's own \"instance\" name").flatMap {
                redundancyName($0, at: partner.path("name"), reader, what: "an instance name")
            }
            if let name, name == instance {
                reader.report(
                    partner.path("name"), "\"\(name)\" is this instance's own name; a partner is another instance")
            } else if let name, let earlier = first[name] {
                reader.report(partner.path("name"), "\"\(name)\" is already the name of \(earlier)")
            } else if let name {
                first[name] = itemPath
            }
            list.names = name.flatMap { name in list.names.map { $0 + [name] } }
            let address = readEndpoint(partner, key: "address", example: "192.0.2.2:8647")
            if let address, address.port == 0 {
                reader.report(
                    partner.path("address"),
                    "\"\(address)\": port 0 cannot be connected to; give the port of the partner's \"listen\"")
            }
            if let name, let address {
                list.partners.append(Redundancy.Partner(name: name, host: address.host, port: address.port))
            }
        }
        return list
    }

    /// What was read of `"pool-groups"`: the valid groups, every pool name put in a group (with
    /// the group's key path, its label and the key path that did), and the first group this
    /// instance is the standby of.
    private struct GroupList {
        var groups: [Redundancy.PoolGroup] = []
        var claimed: [String: (groupPath: String, group: String, path: String)] = [:]
        var standbyOf: String?
    }

    private static func readPoolGroups(
        _ object: JSONObject, instance: String?, partners: PartnerList, pools: [String]?
    ) -> GroupList {
        let reader = object.reader
        var list = GroupList()
        let what =
            "an array of groups, such as [{\"name\": \"g1\", \"pools\": [\"p\"], \"active\": \"a\", "
            + "\"standby\": \"b\"}]"
        guard let items = elements(object, "pool-groups", what, empty: "must list at least one pool group") else {
            return list
        }
        // The replication link names a partner's groups in one frame, with a one-byte count.
        if items.count > 255 {
            object.reader.report(object.path("pool-groups"), "lists \(items.count) groups; at most 255 are allowed")
        }
        var first: [String: String] = [:]
        for (item, itemPath) in items {
            guard let group = reader.object(item, at: itemPath, keys: poolGroupKeys) else { continue }
            let before = reader.problems.count
            let name = group.required("name", "a name for logs and metrics").flatMap {
                redundancyName($0, at: group.path("name"), reader, what: "a group name")
            }
            if let name, let earlier = first[name] {
                reader.report(group.path("name"), "\"\(name)\" is already the name of \(earlier)")
            } else if let name {
                first[name] = itemPath
            }
            let label = name.map { "pool group \"\($0)\"" } ?? itemPath
            let indices = readGroupPools(
                group, "pools", required: true, group: (itemPath, label), list: &list, pools: pools)
            let reserve = readGroupPools(
                group, "standby-pools", required: false, group: (itemPath, label), list: &list, pools: pools)
            let active = member(group, "active", instance: instance, partners: partners)
            let standby = member(group, "standby", instance: instance, partners: partners)
            if let standby, standby == instance, list.standbyOf == nil { list.standbyOf = label }
            if let active, let standby, let instance {
                if active == standby {
                    reader.report(
                        group.path("standby"),
                        "\"\(standby)\" is also the group's \"active\"; the standby must be another instance")
                } else if active != instance && standby != instance {
                    reader.report(
                        itemPath,
                        "names neither this instance (\"\(instance)\") as \"active\" nor as \"standby\": each "
                            + "instance's file lists only its own groups, so leave this one to the files of "
                            + "\"\(active)\" and \"\(standby)\"")
                }
            }
            guard reader.problems.count == before, let name, let active, let standby else { continue }
            list.groups.append(
                Redundancy.PoolGroup(
                    name: name, pools: indices.sorted(), standbyPools: reserve.sorted(), active: active,
                    standby: standby))
        }
        return list
    }

    /// The pools a group names under `key` (`"pools"`, or the optional `"standby-pools"`), as
    /// indices; each may be in one group once, under one of the two keys.
    private static func readGroupPools(
        _ group: JSONObject, _ key: String, required: Bool, group item: (path: String, label: String),
        list: inout GroupList, pools: [String]?
    ) -> [Int] {
        let reader = group.reader
        guard required || group[key] != nil else { return [] }
        let values =
            required
            ? elements(
                group, key, "the names of the pools that fail over together", empty: "must name at least one pool")
            : group[key].flatMap { reader.list($0, at: group.path(key)) { ($0, $1) } }
        var indices: [Int] = []
        for (value, path) in values ?? [] {
            guard let pool = reader.string(value, at: path) else { continue }
            if let earlier = list.claimed[pool] {
                reader.report(
                    path,
                    earlier.groupPath == item.path
                        ? "\"\(pool)\" is already in this group (\(earlier.path))"
                        : "pool \"\(pool)\" is already in \(earlier.group) (\(earlier.path)): a pool in two groups "
                            + "could be active on two instances at once")
                continue
            }
            if let pools {
                guard let index = pools.firstIndex(of: pool) else {
                    reader.report(path, "no pool is named \"\(pool)\"" + KeySuggestion.hint(for: pool, among: pools))
                    continue
                }
                indices.append(index)
            }
            list.claimed[pool] = (item.path, item.label, path)
        }
        return indices
    }

    /// A group's `"active"` or `"standby"`: this instance or a partner, by name.
    private static func member(
        _ group: JSONObject, _ key: String, instance: String?, partners: PartnerList
    ) -> String? {
        let reader = group.reader
        let path = group.path(key)
        guard
            let name = group.required(key, "\"\(instance ?? "instance")\" (this instance) or a partner's name")
                .flatMap({ reader.string($0, at: path) })
        else { return nil }
        if name == instance || partners.names?.contains(name) == true { return name }
        // Without this instance's name or every partner's, an unknown name may be one of them.
        guard let instance, let names = partners.names else { return nil }
        let listed = ([instance] + names).map { "\"\($0)\"" }.joined(separator: ", ")
        reader.report(
            path,
            "\"\(name)\" is neither this instance nor a partner (one of \(listed))"
                + KeySuggestion.hint(for: name, among: [instance] + names))
        return nil
    }

    /// `"tls": {"certificate-file", "key-file", "ca-file"}`: every one a path.
    private static func readRedundancyTLS(_ object: JSONObject) -> Redundancy.TLS? {
        let reader = object.reader
        let paths = redundancyTLSKeys.map { key -> String? in
            guard
                let path = object.required(key, "the path of a PEM file").flatMap({
                    reader.string($0, at: object.path(key))
                })
            else { return nil }
            if path.isEmpty || path.utf8.contains(0) {
                reader.report(object.path(key), "must be the path of a PEM file")
                return nil
            }
            return path
        }
        guard let certificate = paths[0], let key = paths[1], let ca = paths[2] else { return nil }
        return Redundancy.TLS(certificateFile: certificate, keyFile: key, caFile: ca)
    }

    /// An instance or group name: 1 to 64 letters, digits, `.`, `_` or `-`, as it appears in
    /// log lines, metric labels and the partners' files.
    private static func redundancyName(
        _ value: JSONValue, at path: String, _ reader: ConfigurationReader, what: String
    ) -> String? {
        guard let name = reader.string(value, at: path) else { return nil }
        guard (1...64).contains(name.count), ConfigurationReader.isPlainName(name) else {
            reader.report(path, "\"\(name)\": \(what) is 1 to 64 letters, digits, '.', '_' or '-'")
            return nil
        }
        return name
    }
}
