import ArgumentParser
import Foundation
import PortLeaseControl

/// `portlease config`: configurations and the running server.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check a configuration with the running server, or have it reload its own.",
        subcommands: [ConfigTestCommand.self, ConfigReloadCommand.self]
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

/// `portlease config reload --config FILE`: the running server re-reads its configuration file
/// (`POST /v1/config/reload`), as on SIGHUP, and says whether it applied it.
struct ConfigReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Have the running server re-read its configuration file (as SIGHUP does) and say what happened.",
        discussion: """
            Prints "reloaded", with the keys that wait for a restart, or "refused" and why (exit 1): a
            file with problems, a change that would orphan active leases, a pool's structure or the
            reservations changed. The rules are in Config/README.md, "Reload (SIGHUP)".
            Example: portlease config reload --config /etc/portlease/portlease.json
            """
    )

    @OptionGroup var endpoint: ControlEndpoint

    @Flag(help: "Print the API's JSON.")
    var json = false

    func run() throws {
        let body = try endpoint.request("POST", "/v1/config/reload")
        let outcome = try JSONDecoder().decode(ReloadOutcome.self, from: Data(body))
        if json {
            print(String(decoding: body, as: UTF8.self))
        } else if outcome.applied {
            print("\(outcome.file): reloaded")
            if !outcome.restartNeeded.isEmpty {
                print("  at the next restart: \(outcome.restartNeeded.joined(separator: ", "))")
            }
        } else {
            print("\(outcome.file): refused; the running configuration stays")
            for problem in outcome.problems { print("  \(problem)") }
        }
        if !outcome.applied { throw ExitCode(1) }
    }
}
