import ArgumentParser

/// `portlease import`: bringing leases from another DHCP server into a stopped server's log.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import leases from another DHCP server into the lease log (the server must be stopped).",
        discussion: """
            Example:
              portlease import kea-leases /var/lib/kea/kea-leases4.csv --config /etc/portlease/portlease.json
            Kea host reservations (kea-reservations) are not imported: PortLease has no reservations yet.
            """,
        subcommands: [ImportKeaLeasesCommand.self]
    )
}
