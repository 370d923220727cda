import ArgumentParser
import Foundation
import PortLeaseControl

/// `portlease reservation list|add|remove`: the running server's reservations, through its
/// control API. Those added here are kept in `reservations.json` beside the lease log; those
/// in the configuration file are listed but changed only there.
struct ReservationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reservation",
        abstract: "List, add or remove reservations in the running server.",
        subcommands: [ReservationListCommand.self, ReservationAddCommand.self, ReservationRemoveCommand.self]
    )

    /// One reservation on one line: `198.51.100.7  psid 5/6 (offset 6)  id:..  pool map  [api]`.
    static func line(_ reservation: ReservationDocument) -> String {
        let set =
            reservation.full
            ? "full address" : "psid \(reservation.psid)/\(reservation.psidLength) (offset \(reservation.psidOffset))"
        return
            "\(reservation.address)  \(set)  \(reservation.client ?? reservation.subscriber ?? "?")  "
            + "pool \(reservation.pool)  [\(reservation.source)]"
    }
}

struct ReservationListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List every reservation (GET /v1/reservations): [configuration] or [api].",
        discussion: "Example: portlease reservation list --config /etc/portlease/portlease.json"
    )

    @OptionGroup var endpoint: ControlEndpoint
    @Flag(help: "Print the API's JSON.") var json = false

    func run() throws {
        let body = try endpoint.request("GET", "/v1/reservations")
        if json { return print(String(decoding: body, as: UTF8.self)) }
        let list = try JSONDecoder().decode(ReservationList.self, from: Data(body))
        if list.reservations.isEmpty { Standard.error("no reservations") }
        for reservation in list.reservations { print(ReservationCommand.line(reservation)) }
    }
}

struct ReservationAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Reserve an address, or a port set, for a client or a subscriber (POST /v1/reservations).",
        discussion: """
            Refused, with the reason, when the address is in no pool, the port set is not one its pool
            offers or touches its reserved ports, it overlaps another reservation, the client has one
            already, or another client holds it now (--force ends that lease, logged as a forced release).
            A subscriber's reservation (--subscriber) is held by one of the subscriber's clients at a
            time: one that asks while another holds it takes it over (a replaced CPE).
            Examples:
              portlease reservation add --config /etc/portlease/portlease.json --client id:ff:00:00:00:01:00:03:00:01:02:00:5e:10:20:30 \\
                  --address 198.51.100.7 --psid 5 --psid-length 6
              portlease reservation add --config /etc/portlease/portlease.json --client hw:01:02:00:5e:10:20:30 --address 203.0.113.9
              portlease reservation add --config /etc/portlease/portlease.json --subscriber remote-id:00:00:0d:e9:6c:69:6e:65:31 \\
                  --address 198.51.100.8 --psid 12 --psid-length 6
            """
    )

    @OptionGroup var endpoint: ControlEndpoint
    @Option(help: "The client: id:HEX (option 61) or hw:HEX (htype, then chaddr).") var client: String?
    @Option(help: "Or the subscriber: remote-id:HEX, subscriber-id:HEX or prefix:ADDRESS/LENGTH.")
    var subscriber: String?
    @Option(help: "The reserved IPv4 address.") var address: String
    @Option(help: "The PSID of a port set (with --psid-length).") var psid: Int?
    @Option(help: "The PSID length k of a port set (with --psid).") var psidLength: Int?
    @Flag(help: "End another client's lease on it.") var force = false
    @Flag(help: "Print the API's JSON.") var json = false

    func validate() throws {
        guard (client == nil) != (subscriber == nil) else {
            throw ValidationError("give --client or --subscriber (one of them)")
        }
        guard (psid == nil) == (psidLength == nil) else {
            throw ValidationError("give --psid and --psid-length together (a port set), or neither (a whole address)")
        }
    }

    func run() throws {
        var object: [String: Any] = ["address": address, "force": force]
        if let client { object["client"] = client }
        if let subscriber { object["subscriber"] = subscriber }
        if let psid, let psidLength {
            object["psid"] = psid
            object["psid-length"] = psidLength
        }
        let request = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        let body = try endpoint.request(
            "POST", "/v1/reservations", body: Array(request), headers: ["Content-Type: application/json"])
        if json { return print(String(decoding: body, as: UTF8.self)) }
        let change = try JSONDecoder().decode(ReservationChange.self, from: Data(body))
        print("reserved " + ReservationCommand.line(change.reservation))
        for holder in change.released { print("  ended the lease of \(holder) on it") }
    }
}

struct ReservationRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a reservation made through the API (DELETE /v1/reservations).",
        discussion: """
            The port set goes back to the pool, unless its owner (a client of the subscriber) holds it
            now: then it keeps its lease, which ends as any other. Examples:
              portlease reservation remove --config /etc/portlease/portlease.json --client hw:01:02:00:5e:10:20:30
              portlease reservation remove --config /etc/portlease/portlease.json --subscriber prefix:2001:db8:0:100::/56
            """
    )

    @OptionGroup var endpoint: ControlEndpoint
    @Option(help: "The client: id:HEX or hw:HEX.") var client: String?
    @Option(help: "Or the subscriber: remote-id:HEX, subscriber-id:HEX or prefix:ADDRESS/LENGTH.")
    var subscriber: String?
    @Flag(help: "Print the API's JSON.") var json = false

    func validate() throws {
        guard (client == nil) != (subscriber == nil) else {
            throw ValidationError("give --client or --subscriber (one of them)")
        }
    }

    func run() throws {
        let query =
            client.map { "client=" + ControlEndpoint.queryValue($0) }
            ?? "subscriber=" + ControlEndpoint.queryValue(subscriber ?? "")
        let body = try endpoint.request("DELETE", "/v1/reservations?" + query)
        if json { return print(String(decoding: body, as: UTF8.self)) }
        let change = try JSONDecoder().decode(ReservationChange.self, from: Data(body))
        print("removed " + ReservationCommand.line(change.reservation))
    }
}
