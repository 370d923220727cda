import ArgumentParser
import Foundation
import PortLeaseConfiguration
import PortLeaseControl

/// `portlease status`: the running server's state, from its control API.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the running server's status (version, uptime, shards, commits).",
        discussion: """
            Asks the running server through its control API (the UNIX socket named by the
            configuration's "control" section; by default control/api.sock in the lease-log
            directory). --json prints the API's own JSON (GET /v1/status in Docs/openapi.json).
            Examples:
              portlease status --config /etc/portlease/portlease.json
              portlease status --socket /var/lib/portlease/lease-log/control/api.sock --json
            """
    )

    @OptionGroup var endpoint: ControlEndpoint

    @Flag(help: "Print the JSON document instead of a table.")
    var json = false

    func run() throws {
        let body = try endpoint.request("GET", "/v1/status")
        if json {
            print(String(decoding: body, as: UTF8.self))
            return
        }
        let status = try JSONDecoder().decode(StatusDocument.self, from: Data(body))
        print(
            "portlease \(status.version), up \(status.uptimeSeconds) s, \(status.workers) worker(s), durability \(status.durability), lease log \(status.leaseLogDirectory), compactions \(status.compactions)"
        )
        let header = [
            "shard", "queued", "discovers", "commits", "avg-commit-us", "records", "failures", "disk", "offers", "acks",
            "naks", "releases",
        ]
        print(header.joined(separator: "  "))
        for shard in status.shards {
            let row =
                [
                    shard.shard, shard.queueContinuing, shard.queueStarting, shard.commits,
                    shard.commitLatencyAverageMicroseconds, shard.recordsCommitted, shard.commitFailures,
                ].map(String.init) + [shard.diskFull ? "FULL" : "ok"]
                + [shard.offers, shard.acks, shard.naks, shard.releases].map(String.init)
            print(
                zip(row, header).map { $0.padding(toLength: max($1.count, $0.count), withPad: " ", startingAt: 0) }
                    .joined(separator: "  "))
        }
    }
}
