import ArgumentParser
import Foundation
import PortLeaseControl

/// `portlease failback`: hands a pool group back to this instance, its configured active, from
/// the standby that took it over (`Docs/Redundancy.md`, "Failing back").
struct FailbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failback",
        abstract: "Take yielded pool groups back from the standby that took them over.",
        discussion: """
            Run on the configured active of the groups, once it is back and shows them "yielded"
            (portlease status --json). It asks the standby, over the replication link, for its
            leases in the groups; the standby goes silent for them, sends them, and this
            instance applies them durably and serves the groups again; the standby then follows
            them. Clients of the groups go unanswered for that moment only (they retry), and
            every lease is kept. Without --group, every yielded group is failed back. Nothing
            changes when it is refused (the reason is printed, and the status is 1).
            Examples:
              portlease failback --config /etc/portlease/portlease.json
              portlease failback --config /etc/portlease/portlease.json --group west
            """
    )

    @OptionGroup var endpoint: ControlEndpoint

    @Option(help: "The pool group to fail back (default: every yielded one).")
    var group: String?

    @Flag(help: "Print the JSON document instead of a line per group.")
    var json = false

    func run() throws {
        let query = group.map { "?group=" + ControlEndpoint.queryValue($0) } ?? ""
        let body = try endpoint.request("POST", "/v1/redundancy/failback" + query)
        if json {
            print(String(decoding: body, as: UTF8.self))
            return
        }
        let outcome = try JSONDecoder().decode(FailbackOutcome.self, from: Data(body))
        for group in outcome.redundancy where outcome.failedBack.contains(group.group) {
            print("\(group.group): \(group.state) (its standby \(group.partner) follows it again)")
        }
    }
}
