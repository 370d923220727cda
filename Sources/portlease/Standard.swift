import ArgumentParser
import Foundation

/// Writing to standard error without going through the (not concurrency-safe) C globals.
enum Standard {
    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Writes `text` to standard output as it is (no newline added).
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// `body`'s result; its error, if any, on standard error, ending the command with status 1.
    static func orExit<Value, Failure: Error>(_ body: () throws(Failure) -> Value) throws -> Value {
        do throws(Failure) {
            return try body()
        } catch {
            Self.error("\(error)")
            throw ExitCode(1)
        }
    }
}
