import ArgumentParser

/// `portlease export`: the lease log's contents in formats other tools read.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the active leases as CSV or JSON.",
        subcommands: [ExportLeasesCommand.self]
    )
}
