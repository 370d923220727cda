import Hummingbird

/// Requires `Authorization: Bearer <token>` on every request of the TCP listener (the UNIX
/// socket's access control is its file permissions). The comparison takes the same time
/// whatever the bytes, so a caller cannot find the token a byte at a time by timing refusals.
struct BearerToken: RouterMiddleware {
    typealias Context = BasicRequestContext
    let token: [UInt8]

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            Self.equal(Array(header.utf8.dropFirst("Bearer ".utf8.count)), token)
        else {
            throw APIError(
                .unauthorized, field: "Authorization", reason: "give the control API's bearer token",
                headers: [.wwwAuthenticate: "Bearer"])
        }
        return try await next(request, context)
    }

    /// Compares in time that depends only on the lengths.
    static func equal(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for index in 0..<max(given.count, expected.count) {
            let left = index < given.count ? given[index] : 0
            let right = index < expected.count ? expected[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }
}
