import ArgumentParser
import Foundation
import PortLeaseControl

/// `portlease lease`: one lease in the running server, through its control API.
struct LeaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lease",
        abstract: "Look up or end a lease in the running server.",
        subcommands: [LeaseShowCommand.self, LeaseDeleteCommand.self]
    )
}

/// `portlease lease show --client KEY`: the client's current lease or offer, from the engine
/// that holds it (so also what is offered or not yet committed, unlike `portlease leases`).
struct LeaseShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a client's current lease or offer (GET /v1/leases).",
        discussion: """
            Asks the running server's control API; exit 1 when the client has no lease or offer.
            Example:
              portlease lease show --config /etc/portlease/portlease.json --client id:ff:00:00:00:01:00:03:00:01:02:00:5e:10:20:30
            """
    )

    @OptionGroup var options: ClientLeaseOptions

    func run() throws {
        let (client, json) = (options.client, options.json)
        let body = try options.request("GET", detail: true)
        let text = String(decoding: body, as: UTF8.self)
        let list = try JSONDecoder().decode(LeaseList.self, from: Data(body))
        if json { print(text) }
        guard !list.leases.isEmpty else {
            Standard.error("\(client) has no lease or offer")
            throw ExitCode(1)
        }
        guard !json else { return }
        for lease in list.leases {
            let set =
                lease.full ? "full address" : "psid \(lease.psid)/\(lease.psidLength) (offset \(lease.psidOffset))"
            print("\(lease.address)  \(set)  \(lease.client)  \(lease.state) until \(lease.expiry)  pool \(lease.pool)")
            if let subscriber = lease.subscriber {
                let relay = lease.relay.map { relay in
                    [
                        relay.linkAddress.map { "link \($0)" }, relay.interfaceID.map { "interface-id \($0)" },
                        relay.remoteID.map { "remote-id \($0)" }, relay.subscriberID.map { "subscriber-id \($0)" },
                    ].compactMap { $0 }.joined(separator: ", ")
                }
                print("  subscriber \(subscriber)  \(relay ?? "direct")  since \(lease.start ?? "?")")
            }
            if !lease.full { print("  ports: \(lease.ports.joined(separator: " "))") }
        }
    }
}

/// What `lease show` and `lease delete` take: the server's API, one client, and `--json`.
struct ClientLeaseOptions: ParsableArguments {
    @OptionGroup var endpoint: ControlEndpoint

    @Option(help: "The client key as portlease leases prints it: id:HEX (option 61) or hw:HEX.")
    var client: String

    @Flag(help: "Print the API's JSON.")
    var json = false

    /// `method /v1/leases?client=...` through the API (with `detail`: completed from the lease
    /// log): the body of a 200.
    func request(_ method: String, detail: Bool = false) throws -> [UInt8] {
        try endpoint.request(
            method, "/v1/leases?client=\(ControlEndpoint.queryValue(client))" + (detail ? "&detail=true" : ""))
    }
}

/// `portlease lease delete --client KEY`: force release: the lease ends now, its port set goes
/// back to the pool, the log records who ended it, and the client's next renewal is NAKed.
struct LeaseDeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "End a client's lease now (DELETE /v1/leases): abuse handling, a replaced CPE.",
        discussion: """
            The server logs a forced-release record (portlease trace shows the holding ended by
            forced-release) and answers once it is durable. Exit 1 when the client holds no lease.
            Example:
              portlease lease delete --config /etc/portlease/portlease.json --client id:ff:00:00:00:01:00:03:00:01:02:00:5e:10:20:30
            """
    )

    @OptionGroup var options: ClientLeaseOptions

    func run() throws {
        let body = try options.request("DELETE")
        if options.json { return print(String(decoding: body, as: UTF8.self)) }
        for lease in try JSONDecoder().decode(LeaseList.self, from: Data(body)).leases {
            let set =
                lease.full ? "full address" : "psid \(lease.psid)/\(lease.psidLength) (offset \(lease.psidOffset))"
            print("released \(lease.address)  \(set)  \(lease.client)  (was \(lease.state) until \(lease.expiry))")
        }
    }
}
