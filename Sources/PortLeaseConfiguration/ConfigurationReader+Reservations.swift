import LeaseEngine
import PortLeaseWire

/// The top-level `reservations`: a fixed address, or a fixed port set, for one client.
extension ConfigurationReader {
    static let reservationKeys = ["client", "address", "psid", "psid-length"]

    /// Each reservation of the document (syntax only); nil when any is invalid.
    func reservations(_ root: JSONObject) -> [Reservation]? {
        root.list("reservations") { value, path in reservation(value, at: path) }
            ?? (root["reservations"] == nil ? [] : nil)
    }

    /// One reservation object; `extraKeys` are allowed besides its own (a request's `force`).
    func reservation(_ value: JSONValue, at path: String, extraKeys: [String] = []) -> Reservation? {
        guard let object = object(value, at: path, keys: Self.reservationKeys + extraKeys) else { return nil }
        let before = problems.count
        let client = object.required("client", "the client: id:HEX (option 61) or hw:HEX (htype, then chaddr)")
            .flatMap { string($0, at: object.path("client")) }
        let key = client.flatMap(ClientKey.init(text:))
        if let client, key == nil {
            report(
                object.path("client"),
                "\"\(client)\" is not id:HEX (option 61, type byte first) or hw:HEX (htype, then chaddr: hw:01:...)")
        }
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
        guard problems.count == before, let key, let address else { return nil }
        return Reservation(client: key, address: address, psid: UInt16(psid ?? 0), psidLength: UInt8(length ?? 0))
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
