import ArgumentParser
import PortLeaseConfiguration

/// `portlease check-config FILE`: every problem with its key path, or OK.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check a configuration file and report every problem with its key path.",
        discussion: """
            Exits 0 when the file can be served as it is, 1 otherwise. Nothing is started.
            Warnings (a pool that can never serve anyone, a match entry that can never fit)
            are printed to standard error and do not change the exit status.
            Example: portlease check-config Config/quickstart.json
            """
    )

    @Argument(help: "The JSON configuration file.")
    var file: String

    func run() throws {
        do throws(ConfigurationError) {
            let configuration = try ServerConfiguration.load(contentsOf: file)
            let pools = configuration.engine.pools.map(\.name).joined(separator: ", ")
            for warning in configuration.warnings() { Standard.error("\(file): warning: \(warning)") }
            print(
                "\(file): OK (\(configuration.engine.pools.count) pool(s): \(pools); \(configuration.workers) worker(s))"
            )
            if let redundancy = configuration.redundancy {
                print(
                    "\(file): redundancy: instance \"\(redundancy.instance)\", active for "
                        + "\(redundancy.activeGroups.count) group(s), standby for \(redundancy.standbyGroups.count) "
                        + "group(s), partner(s): "
                        + redundancy.partners.map(\.name).joined(separator: ", "))
            }
        } catch {
            ConfigurationReport.print(error, file: file)
            throw ExitCode(1)
        }
    }
}

/// Prints configuration problems, one per line, to standard error.
enum ConfigurationReport {
    static func print(_ error: ConfigurationError, file: String) {
        switch error {
        case .invalid(let problems):
            Standard.error("\(file): \(problems.count) problem(s):")
            for problem in problems { Standard.error("  \(problem.keyPath): \(problem.reason)") }
        default:
            Standard.error("\(file): \(error)")
        }
    }
}
