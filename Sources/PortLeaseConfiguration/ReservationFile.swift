import LeaseEngine
import LeaseLog
import PortLeaseSystem
import PortLeaseWire

/// The reservations made through the control API, kept in `reservations.json` in the lease-log
/// directory so that they survive restarts (the ones in the configuration file stay there).
///
/// The file is `{"reservations": [...]}` with the entries of the configuration's own
/// `reservations` (`client` or `subscriber`, `address`, and `psid` with `psid-length` for a
/// port set), read by
/// the same checks; the server rewrites it whole, atomically and synced, after each change.
public enum ReservationFile {
    public static let fileName = "reservations.json"

    /// Why `text` is not a subscriber key (the `subscriber` of a reservation).
    public static func subscriberSyntax(_ text: String) -> String {
        "\"\(text)\" is not remote-id:HEX (5 to 255 bytes: the enterprise number, then the ID), "
            + "subscriber-id:HEX (1 to 255 bytes) or prefix:ADDRESS/LENGTH (length 1 to 128; the client's IPv6 "
            + "source address)"
    }

    /// The stored reservations; none when the file does not exist.
    public static func load(directory: String) throws(ConfigurationError) -> [Reservation] {
        let path = directory + "/" + fileName
        let bytes: [UInt8]
        do throws(SystemCallError) {
            bytes = try Files.readAll(path, maximumSize: ConfigurationFile.maximumSize)
        } catch {
            if error.code == .noSuchFileOrDirectory { return [] }
            throw .unreadable(path: path, reason: error.code.description)
        }
        do throws(ConfigurationError) {
            return try parse(bytes)
        } catch {
            // Name the file in each problem: it is not the configuration file.
            guard case .invalid(let problems) = error else { throw error }
            throw .invalid(
                problems.map { ConfigurationProblem(keyPath: "\(fileName): \($0.keyPath)", reason: $0.reason) })
        }
    }

    /// The reservations of a file's text.
    public static func parse(_ bytes: [UInt8]) throws(ConfigurationError) -> [Reservation] {
        let document = try JSONParser.parse(bytes)
        let reader = ConfigurationReader()
        guard let root = reader.object(document, at: "", keys: ["reservations"]) else {
            throw .invalid(reader.problems)
        }
        let reservations = reader.reservations(root)
        guard reader.problems.isEmpty, let reservations else { throw .invalid(reader.problems) }
        return reservations
    }

    /// One reservation as a request body gives it, with its `force` flag (release a holder).
    public static func parseRequest(_ bytes: [UInt8]) throws(ConfigurationError) -> (Reservation, force: Bool) {
        let document = try JSONParser.parse(bytes)
        let reader = ConfigurationReader()
        let reservation = reader.reservation(document, at: "", extraKeys: ["force"])
        var force = false
        if case .object(let members) = document, let value = members.first(where: { $0.key == "force" })?.value {
            force = reader.bool(value, at: "force") ?? false
        }
        guard reader.problems.isEmpty, let reservation else { throw .invalid(reader.problems) }
        return (reservation, force)
    }

    /// The file's text for `reservations`.
    public static func encode(_ reservations: [Reservation]) -> [UInt8] {
        let entries = reservations.map { "    " + entry($0) }
        return Array(("{\n  \"reservations\": [\n" + entries.joined(separator: ",\n") + "\n  ]\n}\n").utf8)
    }

    /// One reservation as a JSON object on one line, the configuration's keys.
    public static func entry(_ reservation: Reservation) -> String {
        let owner = reservation.client == nil ? "subscriber" : "client"
        var text = "{ \"\(owner)\": \"\(reservation.owner)\", \"address\": \"\(reservation.address)\""
        if reservation.psidLength != 0 {
            text += ", \"psid\": \(reservation.psid), \"psid-length\": \(reservation.psidLength)"
        }
        return text + " }"
    }

    /// Writes `reservations` to the file in `directory`: a temporary file, synced, renamed over
    /// the old one, and the directory synced, so a crash leaves the old list or the new one.
    public static func store(_ reservations: [Reservation], directory: String) throws(LeaseLogError) {
        let bytes = encode(reservations)
        try bytes.withUnsafeBytes { raw in
            Result { () throws(LeaseLogError) in
                try SystemFileSystem().writeAtomically(
                    raw, to: directory + "/" + fileName, directory: directory, sync: true)
            }
        }.get()
    }
}
