import ArgumentParser
import Foundation
import PortLeaseControl

/// `portlease config`: configurations and the running server.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check a configuration with the running server.",
        subcommands: [ConfigTestCommand.self]
    )
}

/// `portlease config test FILE`: the running server's verdict on a configuration file
/// (`POST /v1/config/test`), before it is installed; nothing is applied.
struct ConfigTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Have the running server check a configuration file (nothing is applied).",
        discussion: """
            Prints OK, or every problem with its key path (exit 1), and the warnings. The same
            checks as check-config, made by the running server's own build.
            Example: portlease config test /etc/portlease/new.json --config /etc/portlease/portlease.json
            """
    )

    @Argument(help: "The configuration file to check.")
    var file: String

    @OptionGroup var endpoint: ControlEndpoint

    @Flag(help: "Print the API's JSON.")
    var json = false

    func run() throws {
        let contents = try Standard.orExit { () throws(ControlClient.Failure) in
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ControlClient.Failure(description: "cannot read \(file)")
            }
            return [UInt8](data)
        }
        let body = try endpoint.request(
            "POST", "/v1/config/test", body: contents, headers: ["Content-Type: application/json"])
        let verdict = try JSONDecoder().decode(ConfigTestDocument.self, from: Data(body))
        if json {
            print(String(decoding: body, as: UTF8.self))
        } else {
            print(verdict.valid ? "\(file): OK" : "\(file): \(verdict.problems.count) problem(s)")
            for problem in verdict.problems {
                print("  \(problem.keyPath.isEmpty ? "(document)" : problem.keyPath): \(problem.reason)")
            }
            for warning in verdict.warnings { print("  warning: \(warning.keyPath): \(warning.reason)") }
        }
        if !verdict.valid { throw ExitCode(1) }
    }
}
