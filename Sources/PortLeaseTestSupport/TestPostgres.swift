import Foundation

/// A real PostgreSQL server for the tests (Debian's `postgresql` package, which `.ci/run`
/// installs): a cluster made with `initdb` in a temporary directory, run as the `postgres`
/// user when the tests run as root, listening on 127.0.0.1 at a free port, with trust
/// authentication for the role `portlease`, and `fsync=off` (a stop is a crash of the process,
/// which loses nothing without fsync; commits still wait for the WAL write). Stopped (immediately) when the test process exits.
///
/// ``shared`` is one server for a whole test process, each test in its own database
/// (``createDatabase()``); a test that stops and starts its server makes its own (``init()``).
public final class TestPostgres: @unchecked Sendable {
    /// Why no server can run here (no binaries), or nil.
    public static let unavailable: String? = binaries == nil ? "PostgreSQL's initdb/pg_ctl are not installed" : nil

    /// One server for the whole test process (nil when ``unavailable``).
    public static let shared: TestPostgres? = try? TestPostgres()

    public let port: Int
    public let directory: String
    private static let lock = NSLock()
    nonisolated(unsafe) private static var started: [String] = []

    /// Makes and starts a new cluster.
    public init() throws {
        guard let bin = Self.binaries else { throw Failure(Self.unavailable ?? "no PostgreSQL") }
        directory = NSTemporaryDirectory() + "portlease-pg-" + UUID().uuidString.prefix(8).lowercased()
        // Made by the user the server runs as (postgres, when the tests run as root).
        try Self.run("/bin/mkdir", ["-p", directory])
        try Self.run(
            bin + "/initdb", ["-D", directory + "/data", "-U", "portlease", "--auth=trust", "-E", "UTF8", "--no-sync"])
        var chosen = 0
        for _ in 0..<10 {
            let candidate = Int.random(in: 20_000...40_000)
            if (try? Self.startServer(bin: bin, directory: directory, port: candidate)) != nil {
                chosen = candidate
                break
            }
        }
        guard chosen != 0 else { throw Failure("PostgreSQL did not start; see \(directory)/server.log") }
        port = chosen
        Self.lock.withLock {
            if Self.started.isEmpty { atexit { TestPostgres.stopAll() } }
            Self.started.append(directory)
        }
    }

    /// A new, empty database; returns its name.
    public func createDatabase() throws -> String {
        let name = "t_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        try psql("postgres", "CREATE DATABASE \(name)")
        return name
    }

    /// The URL `portlease --database` takes.
    public func url(_ database: String) -> String {
        "postgresql://portlease@127.0.0.1:\(port)/\(database)?sslmode=disable"
    }

    /// Runs SQL with `psql` and returns its unaligned, tuples-only output.
    @discardableResult
    public func psql(_ database: String, _ sql: String) throws -> String {
        try Self.run(
            "/usr/bin/psql",
            [
                "-h", "127.0.0.1", "-p", "\(port)", "-U", "portlease", "-d", database, "-X", "-A", "-t", "-v",
                "ON_ERROR_STOP=1", "-c", sql,
            ], asPostgres: false)
    }

    /// Stops the server at once (as a crash would).
    public func stop() throws {
        try Self.run(Self.binaries! + "/pg_ctl", ["-D", directory + "/data", "-m", "immediate", "-w", "stop"])
    }

    /// Starts it again on the same port.
    public func start() throws {
        try Self.startServer(bin: Self.binaries!, directory: directory, port: port)
    }

    /// `pg_ctl start` as an ``UnmaskedProcess``: the server it leaves running must hold no
    /// descriptor of the test process. Started through `system(3)` it held them all, and a
    /// pipe another test was reading to its end then never ended (the postmaster lives as long
    /// as the test process), which hung a whole CI run.
    private static func startServer(bin: String, directory: String, port: Int) throws {
        let options = "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off"
        let command =
            (getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : [])
            + [bin + "/pg_ctl", "-D", directory + "/data", "-l", directory + "/server.log", "-w", "-t", "30"]
            + ["-o", options, "start"]
        let output = NSTemporaryDirectory() + "portlease-pg-ctl-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: output) }
        let pgCtl = try UnmaskedProcess(command, outputPath: output)
        guard let status = pgCtl.wait(seconds: 60) else {
            throw Failure("\(command.joined(separator: " ")): still running after 60 s")
        }
        guard status == 0 else {
            let said = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            throw Failure("\(command.joined(separator: " ")): wait status \(status): \(said)")
        }
    }

    private static func stopAll() {
        guard let bin = binaries else { return }
        for directory in lock.withLock({ started }) {
            _ = try? run(bin + "/pg_ctl", ["-D", directory + "/data", "-m", "immediate", "stop"])
        }
    }

    /// The directory with initdb and pg_ctl (the newest installed major version).
    private static let binaries: String? = {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return versions.compactMap(Int.init).sorted().last.map { "\(root)/\($0)/bin" }
            .flatMap { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") ? $0 : nil }
    }()

    @discardableResult
    private static func run(_ tool: String, _ arguments: [String], asPostgres: Bool = true) throws -> String {
        let result =
            asPostgres && getuid() == 0
            ? try CapturedRun.run("/usr/sbin/runuser", ["-u", "postgres", "--", tool] + arguments, in: "/tmp")
            : try CapturedRun.run(tool, arguments, in: "/tmp")
        guard result.status == 0 else {
            throw Failure("\(tool) \(arguments.joined(separator: " ")): exit \(result.status): \(result.errors)")
        }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }
}
