import Foundation
import Hummingbird

/// A refused request: an HTTP status and a JSON body naming the field at fault (if any) and
/// the reason, `{"error": {"field": "...", "reason": "..."}}` (schema `Error` in
/// `Docs/openapi.json`). Every 4xx of the control API has this shape, so scripts can read why.
public struct APIError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let field: String?
    public let reason: String
    /// Extra response headers (`Allow` on a 405, `WWW-Authenticate` on a 401).
    public let headers: HTTPFields

    public init(_ status: HTTPResponse.Status, field: String? = nil, reason: String, headers: HTTPFields = [:]) {
        self.status = status
        self.field = field
        self.reason = reason
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try ControlRoutes.json(Body(error: .init(field: field, reason: reason)), status: status)
        response.headers.append(contentsOf: headers)
        return response
    }

    private struct Body: Encodable {
        struct Detail: Encodable {
            let field: String?
            let reason: String
        }
        let error: Detail
    }
}
