import Hummingbird
import LeaseEngine
import PortLeaseConfiguration

/// `GET`, `POST` and `DELETE /v1/reservations` (`Docs/openapi.json`), over a ``ReservationBook``.
enum ReservationRoutes {
    /// The largest request body: one reservation.
    static let largestBody = 4096

    static func add(to router: Router<BasicRequestContext>, book: ReservationBook?) {
        router.get("/v1/reservations") { _, _ in
            try ControlRoutes.json(try await available(book).list())
        }
        router.post("/v1/reservations") { request, _ in
            guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
                throw APIError(
                    .unsupportedMediaType, field: "Content-Type", reason: "post the reservation as application/json")
            }
            let body = try await request.body.collect(upTo: largestBody)
            let (reservation, force) = try parse(Array(buffer: body))
            let change = try await available(book).add(reservation, force: force)
            return try ControlRoutes.json(change, status: .created)
        }
        router.delete("/v1/reservations") { request, _ in
            let parameters = request.uri.queryParameters
            let owner: Reservation.Owner
            switch (parameters.get("client"), parameters.get("subscriber")) {
            case (let client?, nil): owner = .client(try LeaseLookup.clientKey(client))
            case (nil, let subscriber?): owner = try subscriberOwner(subscriber)
            case (_?, _?):
                throw APIError(.badRequest, field: "subscriber", reason: "give client= or subscriber=, not both")
            case (nil, nil):
                throw APIError(
                    .badRequest, field: "client",
                    reason: "give client=id:HEX or hw:HEX, or subscriber=remote-id:HEX, subscriber-id:HEX or "
                        + "prefix:ADDRESS/LENGTH")
            }
            return try ControlRoutes.json(try await available(book).remove(owner))
        }
    }

    /// A `subscriber=` parameter: `remote-id:HEX`, `subscriber-id:HEX` or `prefix:ADDRESS/LENGTH`.
    static func subscriberOwner(_ text: String) throws(APIError) -> Reservation.Owner {
        guard let owner = Reservation.Owner(text: text), owner.client == nil else {
            throw APIError(.badRequest, field: "subscriber", reason: ReservationFile.subscriberSyntax(text))
        }
        return owner
    }

    private static func available(_ book: ReservationBook?) throws(APIError) -> ReservationBook {
        guard let book else {
            throw APIError(.serviceUnavailable, reason: "reservations cannot be changed on this listener")
        }
        return book
    }

    /// The request body as a reservation, or a 400 naming the first field at fault.
    private static func parse(_ bytes: [UInt8]) throws(APIError) -> (Reservation, force: Bool) {
        do throws(ConfigurationError) {
            return try ReservationFile.parseRequest(bytes)
        } catch {
            if let problem = error.problems.first {
                throw APIError(
                    .badRequest, field: problem.keyPath.isEmpty ? nil : problem.keyPath, reason: problem.reason)
            }
            throw APIError(.badRequest, reason: "\(error)")
        }
    }
}
