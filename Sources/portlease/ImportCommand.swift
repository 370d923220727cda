import ArgumentParser

/// `portlease import`: bringing leases from another DHCP server into a stopped server's log.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import leases or reservations from another DHCP server (the server must be stopped).",
        discussion: """
            Example:
              portlease import kea-leases /var/lib/kea/kea-leases4.csv --config /etc/portlease/portlease.json
              portlease import kea-reservations /etc/kea/kea-dhcp4.conf --config /etc/portlease/portlease.json
            """,
        subcommands: [ImportKeaLeasesCommand.self, ImportKeaReservationsCommand.self]
    )
}
