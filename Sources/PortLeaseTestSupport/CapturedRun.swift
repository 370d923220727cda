import Foundation

/// Runs a program to its end and returns its status, output and errors, captured in files.
///
/// Not in pipes: a pipe's reader waits for end-of-file, which comes only when every holder of
/// the write end has closed it, and a long-lived process another test starts at the same moment
/// (`portlease serve`, rsyslogd) can inherit that write end. The reader then waited until that
/// process ended: a CI run hung for good on PostgreSQL's start-up with rsyslogd holding the
/// pipe. A file has no such reader; the run's end is the process's exit.
public enum CapturedRun {
    public struct Result: Sendable {
        public var status: Int32
        public var output: String
        public var errors: String
    }

    /// A run that had not ended by its deadline (it was killed).
    public struct Timeout: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs `executable` with `arguments` (in `directory`, if given) until it exits; after
    /// `seconds` it is killed and ``Timeout`` thrown, so a hung child fails its test instead
    /// of hanging the whole test run.
    public static func run(
        _ executable: String, _ arguments: [String], in directory: String? = nil, seconds: Double = 300
    ) throws -> Result {
        let base = NSTemporaryDirectory() + "portlease-run-" + UUID().uuidString
        let outputPath = base + ".out"
        let errorsPath = base + ".err"
        defer {
            try? FileManager.default.removeItem(atPath: outputPath)
            try? FileManager.default.removeItem(atPath: errorsPath)
        }
        guard FileManager.default.createFile(atPath: outputPath, contents: nil),
            FileManager.default.createFile(atPath: errorsPath, contents: nil),
            let output = FileHandle(forWritingAtPath: outputPath), let errors = FileHandle(forWritingAtPath: errorsPath)
        else { throw CocoaError(.fileWriteUnknown) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            try? output.close()
            try? errors.close()
            throw error
        }
        try? output.close()
        try? errors.close()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let said = (try? String(contentsOfFile: errorsPath, encoding: .utf8)) ?? ""
            throw Timeout(
                description:
                    "\(executable) \(arguments.joined(separator: " ")): killed after \(Int(seconds)) s: \(said)")
        }
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            output: (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "",
            errors: (try? String(contentsOfFile: errorsPath, encoding: .utf8)) ?? "")
    }
}
