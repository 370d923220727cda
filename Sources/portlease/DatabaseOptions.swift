import ArgumentParser
import Foundation
import Logging
import PortLeaseHistory
import PostgresNIO

/// `--database URL [--password-file FILE]`: the history database for the commands that ask it.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("database"),
        help: "The history database: postgresql://USER@HOST[:PORT]/NAME[?sslmode=disable|prefer|require].")
    var url: String?

    @Option(help: "A file holding the database password (or set PGPASSWORD).")
    var passwordFile: String?

    /// The connection; throws a validation error naming the option.
    func connection() throws -> HistoryConnection {
        guard let url else { throw ValidationError("--database: give the history database's postgresql:// URL") }
        var connection: HistoryConnection
        do throws(HistoryError) {
            connection = try HistoryConnection(url: url)
        } catch {
            throw ValidationError("--database: \(error)")
        }
        if let passwordFile {
            guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                throw ValidationError("--password-file: cannot read \(passwordFile)")
            }
            connection.password = text.trimmingCharacters(in: .newlines)
        } else if connection.password == nil, let password = ProcessInfo.processInfo.environment["PGPASSWORD"] {
            connection.password = password
        }
        return connection
    }

    /// Runs `body` with a client connected to the database; errors go to standard error, exit 1.
    func withClient(_ body: (PostgresClient, Logger) async throws -> Void) async throws {
        let connection = try connection()
        var logger = Logger(label: "portlease.history")
        logger.logLevel = .error  // a one-shot command reports its own failure
        do {
            try await HistoryClient.run(connection, logger: logger) { client in try await body(client, logger) }
        } catch let error as ExitCode {
            throw error
        } catch {
            Standard.error("\(connection): \(HistoryClient.describe(error))")
            throw ExitCode(1)
        }
    }
}
