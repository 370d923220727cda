import LeaseEngine
import PortLeaseWire

/// The top-level `reservations`: a fixed address, or a fixed port set, for one client.
extension ConfigurationReader {
    static let reservationKeys = ["client", "subscriber", "address", "psid", "psid-length"]

    /// Each reservation of the document (syntax only); nil when any is invalid.
    func reservations(_ root: JSONObject) -> [Reservation]? {
        root.list("reservations") { value, path in reservation(value, at: path) }
            ?? (root["reservations"] == nil ? [] : nil)
    }

    /// One reservation object; `extraKeys` are allowed besides its own (a request's `force`).
    func reservation(_ value: JSONValue, at path: String, extraKeys: [String] = []) -> Reservation? {
        guard let object = object(value, at: path, keys: Self.reservationKeys + extraKeys) else { return nil }
        let before = problems.count
        let owner = reservationOwner(object, at: path)
        let address = object.required("address", "the reserved IPv4 address").flatMap {
            ipv4($0, at: object.path("address"))
        }
        let psid = object.integer("psid", in: 0...65535)
        let length = object.integer("psid-length", in: 1...16)
        if (object["psid"] == nil) != (object["psid-length"] == nil) {
            report(path, "give both \"psid\" and \"psid-length\" (a port set), or neither (a whole address)")
        }
        if let psid, let length, length < 16, psid >= 1 << length {
            report(object.path("psid"), "\(psid) does not fit in psid-length \(length) bits")
        }
        guard problems.count == before, let owner, let address else { return nil }
        return Reservation(owner: owner, address: address, psid: UInt16(psid ?? 0), psidLength: UInt8(length ?? 0))
    }

    /// The owner: exactly one of `client` (a client key) and `subscriber` (a subscriber key).
    private func reservationOwner(_ object: JSONObject, at path: String) -> Reservation.Owner? {
        guard object["client"] == nil || object["subscriber"] == nil else {
            report(object.path("subscriber"), "give \"client\" or \"subscriber\", not both")
            return nil
        }
        if let value = object["subscriber"] {
            guard let text = string(value, at: object.path("subscriber")) else { return nil }
            guard let owner = Reservation.Owner(text: text), owner.client == nil else {
                report(object.path("subscriber"), ReservationFile.subscriberSyntax(text))
                return nil
            }
            return owner
        }
        let client = object.required(
            "client",
            "the owner: \"client\" (id:HEX, option 61; hw:HEX, htype then chaddr) or \"subscriber\" "
                + "(remote-id:HEX, subscriber-id:HEX, prefix:ADDRESS/LENGTH)"
        ).flatMap { string($0, at: object.path("client")) }
        guard let client else { return nil }
        guard let key = ClientKey(text: client) else {
            report(
                object.path("client"),
                "\"\(client)\" is not id:HEX (option 61, type byte first) or hw:HEX (htype, then chaddr: hw:01:...)")
            return nil
        }
        return .client(key)
    }

    /// Checks `reservations` against the pools they fall in, as the server will build them: in
    /// a pool, a port set it offers, clear of its reserved ports, one per client, no overlaps.
    func checkReservations(_ reservations: [Reservation], in engine: EngineConfiguration, workers: Int) {
        guard !reservations.isEmpty else { return }
        do throws(EngineError) {
            _ = try LeaseEngine.makePools(for: engine, shards: workers)
        } catch {
            guard case .invalidReservation(let reservation, let reason) = error,
                let index = reservations.firstIndex(of: reservation)
            else {
                let problem = Self.problem(for: error, workers: workers) { _ in "pools" }
                return report(problem.keyPath, problem.reason)
            }
            report(Self.path("reservations", index: index), "\(reservation): \(reason)")
        }
    }
}
