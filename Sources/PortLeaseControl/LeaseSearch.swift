import Hummingbird
import HummingbirdCore
import LeaseEngine
import LeaseLog
import PortLeaseServer
import PortLeaseSystem
import PortLeaseWire
import PortSetPool

/// Lease lookups other than by client (`GET /v1/leases?address=`, `?pool=`, `?remote-id=`,
/// `?subscriber-id=`, `?subscriber=`), answered by the engines themselves.
///
/// The engines keep no index by address or subscriber (the packet path never needs one, and
/// it would cost memory per lease), so each shard's table is searched in steps of 65,536 slots,
/// one control job each (``LeaseEngine/leases(scanningFrom:count:after:limit:include:)``): a
/// search never holds a worker back for more than a step. Results come in (address, PSID
/// length, PSID) order, `limit` at a time; `next` is the cursor for `after=`. Paging by that key
/// is stable while leases change: a lease that exists throughout is listed exactly once.
enum LeaseSearch {
    typealias Parameters = FlatDictionary<Substring, Substring>

    static let step = 65_536
    /// After each step, a pause this many times the step's duration (a duty cycle of 1/10).
    static let pauseFactor = 9
    static let defaultLimit = 100
    static let maximumLimit = 1000
    /// With `detail=true`, up to this many leases found are completed from the lease log
    /// (subscriber, relay, start): a read of the shard's log that takes about 170 ms at 10M
    /// leases (Benchmarks/RESULTS.md), so it is asked for, not done by default.
    static let completedFromLog = 16

    /// Which bindings a search keeps.
    struct Filter: Sendable {
        var address: IPv4Address?
        var port: UInt16?
        var psid: (psid: UInt16, length: UInt8)?
        var pool: Int?
        var subscriber: UInt64?
        /// Per pool: its PSID offset (for the port test).
        var offsets: [UInt8]

        func includes(_ listed: LeaseEngine.ListedBinding) -> Bool {
            let binding = listed.binding
            if let address, binding.address != address { return false }
            if let pool, Int(binding.pool) != pool { return false }
            if let subscriber, listed.subscriber != subscriber { return false }
            if let psid, binding.psidLength != psid.length || binding.psid != psid.psid { return false }
            if let port, !Self.set(of: binding, offset: offsets[Int(binding.pool)], holds: port) { return false }
            return true
        }

        /// Whether the port set of `binding` holds `port` (a whole address holds every port).
        static func set(of binding: Binding, offset: UInt8, holds port: UInt16) -> Bool {
            guard binding.psidLength > 0 else { return true }
            let layout = try? PSIDLayout(offset: Int(offset), length: Int(binding.psidLength))
            return layout?.psid(containing: port) == Int(binding.psid)
        }
    }

    /// The parameters of a search (`client=` takes none of them).
    static let parameters = [
        "address", "port", "psid", "psid-length", "pool", "remote-id", "subscriber-id", "subscriber", "after", "limit",
    ]

    /// `detail=true`: complete the leases found (up to ``completedFromLog``) from the lease log.
    static func wantsDetail(_ parameters: Parameters) throws(APIError) -> Bool {
        switch parameters.get("detail") {
        case nil, "false": return false
        case "true": return true
        case let other?: throw APIError(.badRequest, field: "detail", reason: "\"\(other)\": true or false")
        }
    }

    /// The search the query parameters ask for, and its answer.
    static func run(_ parameters: Parameters, server: PortLeaseServer.Server) async throws(APIError) -> LeaseList {
        let engine = server.settings.engine
        let selectors = ["address", "pool", "remote-id", "subscriber-id", "subscriber"].filter {
            parameters.get($0) != nil
        }
        guard selectors.count == 1 else {
            throw APIError(
                .badRequest, field: selectors.first ?? "client",
                reason: "give one of client=, address=, pool=, remote-id=, subscriber-id= or subscriber=")
        }
        var filter = Filter(
            offsets: engine.pools.map { UInt8($0.psidOffset) })
        if selectors[0] != "address",
            let stray = ["port", "psid", "psid-length"].first(where: { parameters.get($0) != nil })
        {
            throw APIError(.badRequest, field: stray, reason: "only with address=")
        }
        let limit = try Self.limit(parameters.get("limit"))
        let after = try parameters.get("after").map(cursor)
        let wantsDetail = try wantsDetail(parameters)
        var inLog: LogSubscriberSearch.Key?
        switch selectors[0] {
        case "address": try address(parameters, into: &filter)
        case "pool":
            let name = parameters.get("pool")!
            guard let index = engine.pools.firstIndex(where: { $0.name == name }) else {
                throw APIError(.notFound, field: "pool", reason: "no pool is named \"\(name)\"")
            }
            filter.pool = index
        default:
            switch try await subscriberKey(parameters, selector: selectors[0], server: server) {
            case .engine(let hash): filter.subscriber = hash
            case .log(let key): inLog = key
            }
        }
        let found: [Found]
        if let inLog {
            found = try await LogSubscriberSearch.run(inLog, after: after, limit: limit, server: server)
        } else {
            found = try await search(filter, after: after, limit: limit, server: server)
        }
        let detail = wantsDetail && found.count <= completedFromLog
        let next = found.count == limit ? found.last.map { text(of: $0.state.binding.order) } : nil
        return LeaseList(
            leases: found.map { item in
                var document = LeaseDocument(
                    key: item.key, lease: item.state, pool: engine.pools[Int(item.state.binding.pool)])
                if detail, let holding = holding(of: item.key, item.state, server: server) { document.add(holding) }
                return document
            },
            next: next)
    }

    /// A lease found: its client and its state in the engine.
    struct Found {
        var key: ClientKey
        var state: LeaseEngine.LeaseState
    }

    /// Every shard searched step by step; the `limit` smallest after `after`.
    private static func search(
        _ filter: Filter, after: Binding.Order?, limit: Int, server: PortLeaseServer.Server
    ) async throws(APIError) -> [Found] {
        var best: [Found] = []
        let clock = ContinuousClock()
        for worker in server.workers {
            var start: Int? = 0
            while let from = start {
                let began = clock.now
                let (leases, next) = try await LeaseLookup.ask(worker) { engine in
                    engine.leases(scanningFrom: from, count: step, after: after, limit: limit) { filter.includes($0) }
                }
                // At most a tenth of a worker's time: after each step, a pause nine times as
                // long as the step took, so that searches back to back leave packets room.
                if next != nil { try? await Task.sleep(for: (clock.now - began) * pauseFactor) }
                best += leases.map { Found(key: $0.key, state: $0.state) }
                best.sort { $0.state.binding.order < $1.state.binding.order }
                if best.count > limit { best.removeLast(best.count - limit) }
                start = next
            }
        }
        return best
    }

    /// The holding behind a bound lease, from its shard's log: subscriber, relay, start.
    static func holding(
        of key: ClientKey, _ state: LeaseEngine.LeaseState, server: PortLeaseServer.Server
    ) -> TraceHolding? {
        guard state.kind == .bound else { return nil }
        let binding = state.binding
        let shard = ShardChoice.shard(of: key, shardCount: server.workers.count)
        let port = firstPort(of: binding, offset: UInt8(server.settings.engine.pools[Int(binding.pool)].psidOffset))
        let history = LeaseHistory(directory: ShardLogs.directory(server.settings.leaseLogDirectory, shard: shard))
        let now = SystemClock.wallClockMilliseconds()
        return (try? history.holders(of: binding.address, port: port, at: now))?.last { $0.clientKey == key }
    }

    /// A port of `binding`'s set: its first (any port for a whole address).
    static func firstPort(of binding: Binding, offset: UInt8) -> UInt16 {
        guard binding.psidLength > 0,
            let layout = try? PSIDLayout(offset: Int(offset), length: Int(binding.psidLength)),
            let first = (try? layout.portSet(psid: Int(binding.psid)))?.first
        else { return 1024 }
        return first
    }

    private static func address(_ parameters: Parameters, into filter: inout Filter) throws(APIError) {
        let text = parameters.get("address")!
        guard let address = IPv4Address(text) else {
            throw APIError(.badRequest, field: "address", reason: "\"\(text)\" is not an IPv4 address")
        }
        filter.address = address
        if let port = parameters.get("port") {
            guard let value = UInt16(port) else { throw APIError(.badRequest, field: "port", reason: "0 to 65535") }
            filter.port = value
        }
        let psidText: String? = parameters.get("psid")
        let lengthText: String? = parameters.get("psid-length")
        switch (psidText, lengthText) {
        case (nil, nil): break
        case (let psid?, let length?):
            guard let psid = UInt16(psid), let length = UInt8(length), (1...16).contains(length),
                length == 16 || Int(psid) < 1 << Int(length)
            else {
                throw APIError(.badRequest, field: "psid", reason: "a PSID that fits in psid-length (1 to 16) bits")
            }
            filter.psid = (psid, length)
        default:
            throw APIError(.badRequest, field: "psid", reason: "give psid and psid-length together")
        }
    }

    /// Where a subscriber lookup is answered from: the engines, by the hash of the configured
    /// `subscriber-key`, or the lease logs, for a key the engines do not keep.
    enum SubscriberLookup {
        case engine(UInt64)
        case log(LogSubscriberSearch.Key)
    }

    /// The subscriber key to compare: as the configured `subscriber-key` forms it when the
    /// lookup is by that key, else the key to look for in the logs.
    private static func subscriberKey(
        _ parameters: Parameters, selector: String, server: PortLeaseServer.Server
    ) async throws(APIError) -> SubscriberLookup {
        let policy = server.settings.engine.subscriberKey
        let value = parameters.get(selector)!
        var address = IPv6Address.unspecified
        var remoteID: [UInt8]?
        var subscriberID: [UInt8]?
        switch (selector, policy) {
        case ("remote-id", .remoteID): remoteID = try hex(value, field: selector)
        case ("subscriber-id", .subscriberID): subscriberID = try hex(value, field: selector)
        case ("subscriber", .clientPrefix(let length)):
            let parts = value.split(separator: "/", maxSplits: 1)
            guard let parsed = IPv6Address(String(parts.first ?? "")),
                parts.count == 1 || Int(parts[1]) == length
            else {
                throw APIError(
                    .badRequest, field: selector,
                    reason: "give an IPv6 address, or a prefix of length \(length) (limits.subscriber-key)")
            }
            address = parsed
        case ("remote-id", _): return .log(.remoteID(try hex(value, field: selector)))
        case ("subscriber-id", _): return .log(.subscriberID(try hex(value, field: selector)))
        default:
            guard let prefix = IPv6Prefix(value.contains("/") ? value : value + "/128"), prefix.length > 0 else {
                throw APIError(
                    .badRequest, field: selector, reason: "\"\(value)\": an IPv6 address, or a prefix (ADDRESS/LENGTH)")
            }
            return .log(.prefix(prefix))
        }
        let (clientAddress, remote, subscriber) = (address, remoteID, subscriberID)
        return .engine(
            try await LeaseLookup.ask(server.workers[0]) { engine in
                engine.subscriberKey(clientAddress: clientAddress, remoteID: remote, subscriberID: subscriber)
            })
    }

    private static func hex(_ text: String, field: String) throws(APIError) -> [UInt8] {
        guard let bytes = HexBytes.parse(text), !bytes.isEmpty else {
            throw APIError(.badRequest, field: field, reason: "\"\(text)\": the option's bytes in hex")
        }
        return bytes
    }

    private static func limit(_ text: String?) throws(APIError) -> Int {
        guard let text else { return defaultLimit }
        guard let value = Int(text), (1...maximumLimit).contains(value) else {
            throw APIError(.badRequest, field: "limit", reason: "1 to \(maximumLimit)")
        }
        return value
    }

    /// `198.51.100.7/6/5`: address, PSID length, PSID of the last lease of a page.
    static func text(of order: Binding.Order) -> String {
        "\(IPv4Address(order.address))/\(order.psidLength)/\(order.psid)"
    }

    private static func cursor(_ text: String) throws(APIError) -> Binding.Order {
        let parts = text.split(separator: "/")
        guard parts.count == 3, let address = IPv4Address(String(parts[0])), let length = UInt8(parts[1]),
            let psid = UInt16(parts[2])
        else {
            throw APIError(.badRequest, field: "after", reason: "\"\(text)\" is not a cursor from next")
        }
        return Binding.Order(address: address.value, psidLength: length, psid: psid)
    }
}
