import LeaseEngine
import LeaseLog
import PortLeaseWire

/// The top level of the configuration file and its small sections; pools are read in
/// `ConfigurationReader+Pools.swift`.
extension ServerConfiguration {
    static let keys = [
        "server-id", "server-duid", "listen", "dhcp4o6-server-addresses", "workers", "queue-depth",
        "queue-delay-budget", "lease-log", "limits", "offer-lifetime", "decline-quarantine", "metrics", "log-level",
        "control", "history", "redundancy", "pools", "reservations",
    ]
    static let listenKeys = ["addresses", "port", "interfaces"]
    static let leaseLogKeys = [
        "directory", "durability", "history-days", "segment-size", "compaction-interval", "direct-writes",
    ]
    static let limitsKeys = ["leases-per-subscriber", "subscriber-key", "discover-rate"]
    static let discoverRateKeys = ["per-second", "burst", "prefix-length"]
    static let metricsKeys = ["listen"]
    static let controlKeys = ["socket", "listen", "token-file", "tls"]
    static let controlTLSKeys = ["certificate-file", "key-file", "client-ca-file"]

    /// The whole configuration, or nil with the problems in `reader`. Every section is
    /// read even after a problem, so all problems are reported.
    static func read(_ document: JSONValue, _ reader: ConfigurationReader) -> ServerConfiguration? {
        guard let root = reader.object(document, at: "", keys: keys) else { return nil }
        let serverID = root.required("server-id", "the IPv4 address sent as the server identifier (option 54)")
            .flatMap { reader.ipv4($0, at: root.path("server-id")) }
        let duid = root.read("server-duid", reader.duid)
        let listen = root.object("listen", keys: listenKeys).map(readListen) ?? Listen()
        let dhcp4o6 = root.list("dhcp4o6-server-addresses") { reader.ipv6($0, at: $1) } ?? []
        reader.reportDuplicates(dhcp4o6, at: root.path("dhcp4o6-server-addresses"), what: "address")
        let workers = root.integer("workers", in: 1...64) ?? (root["workers"] == nil ? 2 : nil)
        let queueDepth = root.integer("queue-depth", in: 1...(1 << 20), default: 4096)
        let queueDelayBudget = root.integer("queue-delay-budget", in: 1...60_000, default: 1000)
        let leaseLog = root.required("lease-log", "an object with at least \"directory\"")
            .flatMap { reader.object($0, at: root.path("lease-log"), keys: leaseLogKeys) }.flatMap(readLeaseLog)
        let limits = root.object("limits", keys: limitsKeys)
        let (leasesPerSubscriber, subscriberKey) =
            limits.map(readLimits) ?? (nil, EngineConfiguration.SubscriberKey.none)
        let discoverRate = limits.map(readDiscoverRate) ?? DiscoverRate()
        let offerLifetime = root.integer("offer-lifetime", in: 1...86_400, default: 60)
        let declineQuarantine = root.integer("decline-quarantine", in: 0...Int(Int32.max), default: 86_400)
        let metrics = root.object("metrics", keys: metricsKeys).flatMap(readMetrics)
        let logLevel = root.choice("log-level", among: logLevels, default: "info")
        let controlObject = root.object("control", keys: controlKeys)
        let control = controlObject.map(readControl) ?? .default
        let controlTCP = controlObject.flatMap(readControlTCP)
        let history = root.object("history", keys: historyKeys).flatMap(readHistory)
        // With an invalid worker count, pools are checked for one worker: no partition
        // problem is reported that fixing "workers" might make go away.
        let pools = reader.pools(root, workers: workers ?? 1, serverIdentifier: serverID)
        let reservations = reader.reservations(root)
        let redundancy = root.object("redundancy", keys: redundancyKeys).flatMap {
            readRedundancy($0, pools: pools?.map(\.name))
        }

        guard reader.problems.isEmpty, let serverID, let leaseLog, let pools, let workers, let reservations else {
            return nil
        }
        let engine = EngineConfiguration(
            serverIdentifier: serverID, pools: pools, offerLifetime: UInt32(offerLifetime),
            declineQuarantine: UInt32(declineQuarantine), leasesPerSubscriber: leasesPerSubscriber,
            subscriberKey: subscriberKey, reservations: reservations)
        reader.checkReservations(reservations, in: engine, workers: workers)
        guard reader.problems.isEmpty else { return nil }
        return ServerConfiguration(
            engine: engine, leaseLog: leaseLog, serverDUID: duid, listen: listen, dhcp4o6ServerAddresses: dhcp4o6,
            workers: workers, queueDepth: queueDepth, metrics: metrics, logLevel: logLevel, discoverRate: discoverRate,
            queueDelayBudgetMilliseconds: queueDelayBudget, control: control, controlTCP: controlTCP, history: history,
            redundancy: redundancy)
    }

    /// `"listen": "host:port"` and `"token-file"` in `"control"`: the optional TCP listener. A
    /// listener on anything but loopback must have a token: the API can release leases.
    private static func readControlTCP(_ object: JSONObject) -> ControlTCP? {
        let reader = object.reader
        let tokenFile = object["token-file"].flatMap { reader.string($0, at: object.path("token-file")) }
        if let tokenFile, tokenFile.isEmpty || tokenFile.utf8.contains(0) {
            reader.report(object.path("token-file"), "must be the path of a file holding the bearer token")
        }
        let tls = object.object("tls", keys: controlTLSKeys).flatMap(readControlTLS)
        guard object["listen"] != nil else {
            if tokenFile != nil {
                reader.report(object.path("token-file"), "is only used with \"listen\" (the UNIX socket has no token)")
            }
            if object["tls"] != nil {
                reader.report(object.path("tls"), "is only used with \"listen\" (the UNIX socket is not TLS)")
            }
            return nil
        }
        guard let endpoint = readEndpoint(object, key: "listen", example: "127.0.0.1:9548") else { return nil }
        let loopback = endpoint.host == "::1" || endpoint.host.hasPrefix("127.")
        if !loopback && tokenFile == nil && object["tls"] == nil {
            reader.report(
                object.path("listen"),
                "\"\(endpoint)\" is not a loopback address: give \"token-file\" (a bearer token) or \"tls\" "
                    + "(client certificates) so that only operators can use the API"
            )
        }
        return ControlTCP(host: endpoint.host, port: endpoint.port, tokenFile: tokenFile, tls: tls)
    }

    /// `"tls": {"certificate-file", "key-file", "client-ca-file"}`: every one a path.
    private static func readControlTLS(_ object: JSONObject) -> ControlTLS? {
        let reader = object.reader
        let paths = controlTLSKeys.map { key -> String? in
            guard let value = object.required(key, "the path of a PEM file") else { return nil }
            guard let path = reader.string(value, at: object.path(key)) else { return nil }
            if path.isEmpty || path.utf8.contains(0) {
                reader.report(object.path(key), "must be the path of a PEM file")
                return nil
            }
            return path
        }
        guard let certificate = paths[0], let key = paths[1], let clientCA = paths[2] else { return nil }
        return ControlTLS(certificateFile: certificate, keyFile: key, clientCAFile: clientCA)
    }

    /// `"control": {"socket": PATH}`, or `"socket": "off"` for no control API.
    private static func readControl(_ object: JSONObject) -> Control {
        let reader = object.reader
        guard let value = object["socket"], let text = reader.string(value, at: object.path("socket")) else {
            return .default
        }
        if text == "off" { return .off }
        if text.isEmpty || text.utf8.contains(0) {
            reader.report(object.path("socket"), "must be a path, or \"off\"")
            return .default
        }
        if text.utf8.count > Control.longestSocketPath {
            reader.report(
                object.path("socket"),
                "\"\(text)\" is \(text.utf8.count) bytes; a UNIX socket path may have at most \(Control.longestSocketPath)"
            )
        }
        return .socket(text)
    }

    private static func readListen(_ object: JSONObject) -> Listen {
        let reader = object.reader
        var listen = Listen()
        if let addresses = object.list("addresses", element: { reader.ipv6($0, at: $1) }) {
            if addresses.isEmpty {
                reader.report(object.path("addresses"), "must list at least one address (\"::\": all)")
            }
            reader.reportDuplicates(addresses, at: object.path("addresses"), what: "address")
            listen.addresses = addresses
        }
        listen.port = UInt16(object.integer("port", in: 0...65535, default: 547))
        if let interfaces = object.list("interfaces", element: { reader.interfaceName($0, at: $1) }) {
            reader.reportDuplicates(interfaces, at: object.path("interfaces"), what: "interface")
            listen.interfaces = interfaces
        }
        return listen
    }

    private static func readLeaseLog(_ object: JSONObject) -> LeaseLogSettings? {
        let reader = object.reader
        let directory = object.required("directory", "the directory of the lease log")
            .flatMap { reader.string($0, at: object.path("directory")) }
        if let directory, directory.isEmpty || directory.utf8.contains(0) {
            reader.report(object.path("directory"), "must be a non-empty path")
        }
        let durability: LeaseLog.Durability =
            object.choice("durability", among: ["fsync", "none"], default: "fsync") == "none" ? .none : .fsync
        let historyDays = object.integer("history-days", in: 1...36_500, default: 180)
        let segmentSize = object.integer("segment-size", in: (64 << 10)...(4 << 30), default: 64 << 20)
        let interval = object.integer("compaction-interval", in: 1...86_400, default: 300)
        let directWrites = object.bool("direct-writes", default: true)
        return directory.map {
            LeaseLogSettings(
                directory: $0, durability: durability, historyDays: historyDays, segmentSize: segmentSize,
                compactionIntervalSeconds: interval, directWrites: directWrites)
        }
    }

    /// The limit of RFC 7618 section 10 and how subscribers are told apart; the limit is
    /// only meaningful with a key, so a limit without one is reported rather than ignored.
    private static func readLimits(_ object: JSONObject) -> (Int?, EngineConfiguration.SubscriberKey) {
        let reader = object.reader
        let key = object.read("subscriber-key", reader.subscriberKey)
        let limit = object.integer("leases-per-subscriber", in: 1...65_535)
        if limit != nil && (object["subscriber-key"] == nil || key == EngineConfiguration.SubscriberKey.none) {
            reader.report(
                object.path("leases-per-subscriber"),
                "has no effect without a \"subscriber-key\" saying how subscribers are told apart")
        }
        guard let key, key != .none else { return (nil, .none) }
        return (limit ?? 8, key)
    }

    /// `limits.discover-rate`: on with the defaults when absent, `"off"` for none.
    private static func readDiscoverRate(_ limits: JSONObject) -> DiscoverRate? {
        let reader = limits.reader
        guard let value = limits["discover-rate"] else { return DiscoverRate() }
        if case .string(let text) = value {
            if text != "off" {
                reader.report(
                    limits.path("discover-rate"),
                    "\"\(text)\": expected \"off\" or an object such as {\"per-second\": 10, \"burst\": 50}")
            }
            return nil
        }
        guard let object = limits.object("discover-rate", keys: discoverRateKeys) else { return nil }
        let defaults = DiscoverRate()
        return DiscoverRate(
            perSecond: object.integer("per-second", in: 1...1_000_000, default: defaults.perSecond),
            burst: object.integer("burst", in: 1...1_000_000, default: defaults.burst),
            prefixLength: object.integer("prefix-length", in: 1...128, default: defaults.prefixLength))
    }

    /// `"listen": "host:port"`; an IPv6 host goes in brackets.
    private static func readMetrics(_ object: JSONObject) -> Metrics? {
        readEndpoint(object, key: "listen", example: "127.0.0.1:9547").map { Metrics(host: $0.host, port: $0.port) }
    }

    /// A TCP listener's `"address:port"` at `key` (IPv6 in brackets), or nil with the problem reported.
    static func readEndpoint(_ object: JSONObject, key: String, example: String) -> Metrics? {
        let reader = object.reader
        let path = object.path(key)
        guard
            let text = object.required(key, "\"host:port\" such as \"\(example)\"")
                .flatMap({ reader.string($0, at: path) })
        else { return nil }
        let form = "must be \"address:port\" (\"\(example)\", \"[::1]:\(example.split(separator: ":").last!)\")"
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else {
            reader.report(path, "\"\(text)\" \(form)")
            return nil
        }
        var host = text[..<colon]
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = host.dropFirst().dropLast()
            guard let address = IPv6Address(host) else {
                reader.report(path, "\"\(text)\": \"\(host)\" is not an IPv6 address")
                return nil
            }
            host = Substring(address.description)
        } else if IPv6Address(text) != nil || IPv6Address(host) != nil {
            reader.report(
                path,
                "\"\(text)\": write an IPv6 address in brackets, such as \"[::1]:\(example.split(separator: ":").last!)\""
            )
            return nil
        } else {
            guard let address = IPv4Address(host) else {
                reader.report(path, "\"\(text)\" \(form)")
                return nil
            }
            host = Substring(address.description)
        }
        guard (0...65535).contains(port) else {
            reader.report(path, "\"\(text)\": the port must be 0...65535")
            return nil
        }
        return Metrics(host: String(host), port: UInt16(port))
    }
}

extension ConfigurationReader {
    /// `remote-id`, `subscriber-id`, `client-prefix/N` or `none`.
    func subscriberKey(_ value: JSONValue, at path: String) -> EngineConfiguration.SubscriberKey? {
        guard let text = string(value, at: path) else { return nil }
        switch text {
        case "none": return EngineConfiguration.SubscriberKey.none
        case "remote-id": return .remoteID
        case "subscriber-id": return .subscriberID
        case _ where text.hasPrefix("client-prefix/"):
            guard let length = Int(text.dropFirst("client-prefix/".count)), (1...128).contains(length) else {
                report(path, "\"\(text)\": the prefix length must be 1...128 (such as \"client-prefix/56\")")
                return nil
            }
            return .clientPrefix(length: length)
        default:
            let forms = ["remote-id", "subscriber-id", "client-prefix/56", "none"]
            let hint =
                text == "client-prefix"
                ? " (it needs a prefix length, such as \"client-prefix/56\")"
                : KeySuggestion.hint(for: text, among: forms)
            report(
                path, "\"\(text)\" is not one of \"remote-id\", \"subscriber-id\", \"client-prefix/N\", \"none\"" + hint
            )
            return nil
        }
    }

    /// A DUID in hex: 2 bytes of type and 1 to 128 bytes of identifier (RFC 8415 section 11.1).
    func duid(_ value: JSONValue, at path: String) -> [UInt8]? {
        guard let text = string(value, at: path) else { return nil }
        guard let bytes = HexBytes.parse(text) else {
            report(path, "\"\(text)\" is not hex (\"00:03:00:01:02:00:5e:00:00:01\" or \"000300010200\")")
            return nil
        }
        guard (3...130).contains(bytes.count) else {
            report(path, "a DUID is 3 to 130 bytes (a 2-byte type and up to 128 bytes), not \(bytes.count)")
            return nil
        }
        return bytes
    }
}
