import Logging
import PostgresNIO

/// A short-lived connection for the command-line tools (migrate, trace, export): runs the
/// client's connection pool for as long as `body` takes.
public enum HistoryClient {
    public static func run(
        _ connection: HistoryConnection, logger: Logger, _ body: (PostgresClient) async throws -> Void
    ) async throws {
        let client = connection.makeClient(logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await body(client)
        }
    }

    /// An error as an operator reads it: the database's own message when it sent one.
    public static func describe(_ error: any Error) -> String {
        HistoryShipper.text(error)
    }
}
