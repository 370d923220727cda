import Foundation
import Hummingbird
import NIOCore
import PortLeaseServer
import PortLeaseSystem

/// The control API's routes (`Docs/openapi.json` describes each), and the middleware that
/// gives every refusal the JSON error body (``APIError``).
enum ControlRoutes {
    /// The operations and their methods, for a 405 with `Allow` on the wrong method.
    static let operations: [String: String] = [
        "/v1/status": "GET", "/v1/leases": "GET, DELETE", "/v1/pools": "GET", "/v1/config/test": "POST",
        "/v1/config/reload": "POST",
        "/v1/reservations": "GET, POST, DELETE", "/v1/trace": "GET", "/v1/redundancy/failback": "POST",
    ]

    /// The largest configuration `POST /v1/config/test` takes (the file loader's limit is 16 MiB;
    /// a posted one is an operator's, not a generated ISP-wide file).
    static let largestConfiguration = 1 << 20

    /// The routes; with `token`, every request must carry it (`Authorization: Bearer`).
    static func router(
        server: Server, started: UInt64, token: [UInt8]? = nil, reservations: ReservationBook? = nil,
        reload: (@Sendable () -> ReloadOutcome)? = nil,
        redundancy: RedundancyControl? = nil
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: JSONErrors())
        if let token { router.add(middleware: BearerToken(token: token)) }
        router.get("/v1/status") { _, _ in
            try json(
                StatusDocument(
                    server: server,
                    uptimeSeconds: Int((SystemClock.monotonicNanoseconds() - started) / 1_000_000_000),
                    redundancy: redundancy?.groups()))
        }
        router.get("/v1/pools") { _, _ in try json(PoolsDocument(server: server)) }
        router.post("/v1/config/test") { request, _ in
            guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
                throw APIError(
                    .unsupportedMediaType, field: "Content-Type", reason: "post the configuration as application/json")
            }
            let body = try await request.body.collect(upTo: largestConfiguration)
            return try json(ConfigTestDocument(testing: Array(buffer: body)))
        }
        router.post("/v1/config/reload") { _, _ in
            guard let reload else {
                throw APIError(.serviceUnavailable, reason: "this server cannot reload its configuration")
            }
            return try json(reload())
        }
        router.get("/v1/leases") { request, _ in
            let parameters = request.uri.queryParameters
            guard let client = parameters.get("client") else {
                return try json(try await LeaseSearch.run(parameters, server: server))
            }
            if let other = LeaseSearch.parameters.first(where: { parameters.get($0) != nil }) {
                throw APIError(.badRequest, field: other, reason: "client= is looked up alone")
            }
            let key = try LeaseLookup.clientKey(client)
            let detail = try LeaseSearch.wantsDetail(parameters)
            return try json(LeaseList(leases: try await LeaseLookup.byClient(key, in: server, detail: detail)))
        }
        router.delete("/v1/leases") { request, _ in
            let key = try LeaseLookup.requiredClient(request.uri.queryParameters.get("client"))
            return try json(LeaseList(leases: [try await LeaseRelease.forceRelease(key, in: server)]))
        }
        router.post("/v1/redundancy/failback") { request, _ in
            guard let redundancy else {
                throw APIError(
                    .notFound, reason: "this server has no \"redundancy\" section: there is nothing to fail back")
            }
            let group = request.uri.queryParameters.get("group")
            if let group, group.isEmpty { throw APIError(.badRequest, field: "group", reason: "is empty") }
            do {
                let done = try await redundancy.failBack(group)
                return try json(FailbackOutcome(failedBack: done, redundancy: redundancy.groups()))
            } catch {
                throw APIError(.conflict, field: group == nil ? nil : "group", reason: "\(error)")
            }
        }
        ReservationRoutes.add(to: router, book: reservations)
        TraceRoute.add(to: router, server: server)
        return router
    }

    /// `value` as a JSON response: keys sorted, slashes unescaped (paths stay readable).
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .contentLength: "\(data.count)"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Turns Hummingbird's own refusals (no such route: 404, a body too large: 413, ...) and
    /// any unexpected error into ``APIError``s, so that every error response is JSON.
    struct JSONErrors: RouterMiddleware {
        typealias Context = BasicRequestContext

        func handle(
            _ request: Request, context: Context, next: (Request, Context) async throws -> Response
        ) async throws -> Response {
            do {
                return try await next(request, context)
            } catch let error as APIError {
                throw error
            } catch is NIOTooManyBytesError {
                throw APIError(
                    .contentTooLarge, reason: "the body is over \(largestConfiguration) bytes")
            } catch let error as HTTPResponseError {
                if error.status == .notFound, let allowed = operations[request.uri.path] {
                    throw APIError(
                        .methodNotAllowed, reason: "\(request.uri.path) answers \(allowed) only",
                        headers: [.allow: allowed])
                }
                let reason =
                    error.status == .notFound
                    ? "no such operation: \(request.method) \(request.uri.path) (see Docs/openapi.json)"
                    : error.status.reasonPhrase
                throw APIError(error.status, reason: reason)
            } catch {
                throw APIError(.internalServerError, reason: "\(error)")
            }
        }
    }
}
