import ArgumentParser

/// `portlease`: the DHCPv4-over-DHCPv6 server for shared IPv4 addresses with port
/// sets, and the operator's tools around its lease log.
@main
struct PortLeaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portlease",
        abstract: "A DHCPv4-over-DHCPv6 (RFC 7341) server leasing shared IPv4 addresses with port sets (RFC 7618).",
        discussion: """
            Examples:
              portlease serve --config Config/quickstart.json
              portlease check-config /etc/portlease/portlease.json
              portlease leases --config /etc/portlease/portlease.json --address 198.51.100.7
              portlease trace --config /etc/portlease/portlease.json --address 198.51.100.7 --port 40123 --at 2026-03-03T14:02:00Z
            """,
        subcommands: [
            ServeCommand.self, CheckConfigCommand.self, StatusCommand.self, LeasesCommand.self, TraceCommand.self,
            ClientCommand.self,
            ImportCommand.self, ExportCommand.self, LeaseCommand.self, PoolsCommand.self, ConfigCommand.self,
            HistoryCommand.self, ReservationCommand.self, FailbackCommand.self,
        ]
    )
}
