import Hummingbird
import LeaseLog
import PortLeaseServer
import PortLeaseWire

/// `GET /v1/trace?address=A&port=P&at=T[&until=T2]`: who held address A, port P at T (or
/// during T..T2), answered from this server's own lease log (its holdings history, snapshot and
/// live segments), as `portlease trace --config` does. Across instances: `portlease trace
/// --database` (Docs/History.md).
enum TraceRoute {
    static func add(to router: Router<BasicRequestContext>, server: Server) {
        router.get("/v1/trace") { request, _ in
            let parameters = request.uri.queryParameters
            guard let text = parameters.get("address"), let address = IPv4Address(text) else {
                throw APIError(.badRequest, field: "address", reason: "give address=A, an IPv4 address")
            }
            guard let portText = parameters.get("port"), let port = UInt16(portText) else {
                throw APIError(.badRequest, field: "port", reason: "give port=P, 0 to 65535")
            }
            let at = try time(parameters.get("at"), field: "at", required: true)!
            let until = try time(parameters.get("until"), field: "until", required: false)
            if let until, until <= at { throw APIError(.badRequest, field: "until", reason: "must be after at") }
            let holdings = try trace(address, port: port, at: at, until: until, base: server.settings.leaseLogDirectory)
            return try ControlRoutes.json(TraceDocument(holdings: holdings.map(HoldingDocument.init)))
        }
    }

    private static func time(_ text: String?, field: String, required: Bool) throws(APIError) -> Int64? {
        guard let text else {
            if required {
                throw APIError(.badRequest, field: field, reason: "give \(field)=T (RFC 3339 or Unix seconds)")
            }
            return nil
        }
        guard let milliseconds = TimeText.milliseconds(text) else {
            throw APIError(
                .badRequest, field: field, reason: "\"\(text)\" is not RFC 3339 (2026-03-03T14:02:00Z) or Unix seconds")
        }
        return milliseconds
    }

    private static func trace(
        _ address: IPv4Address, port: UInt16, at: Int64, until: Int64?, base: String
    ) throws(APIError) -> [TraceHolding] {
        var holdings: [TraceHolding] = []
        for shard in ShardLogs.existingShards(base) {
            let history = LeaseHistory(directory: ShardLogs.directory(base, shard: shard))
            do throws(LeaseLogError) {
                holdings += try history.holders(of: address, port: port, from: at, to: until ?? at + 1)
            } catch {
                throw APIError(.internalServerError, reason: "shard \(shard)'s lease log: \(error)")
            }
        }
        return holdings.sorted { $0.start < $1.start }
    }
}
