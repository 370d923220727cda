import Foundation
import Hummingbird

/// A refused request: an HTTP status and a JSON body naming the field at fault (if any) and
/// the reason, `{"error": {"field": "...", "reason": "..."}}` (schema `Error` in
/// `Docs/openapi.yaml`). Every 4xx of the control API has this shape, so scripts can read why.
public struct APIError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let field: String?
    public let reason: String

    public init(_ status: HTTPResponse.Status, field: String? = nil, reason: String) {
        self.status = status
        self.field = field
        self.reason = reason
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try ControlRoutes.json(Body(error: .init(field: field, reason: reason)), status: status)
    }

    private struct Body: Encodable {
        struct Detail: Encodable {
            let field: String?
            let reason: String
        }
        let error: Detail
    }
}
