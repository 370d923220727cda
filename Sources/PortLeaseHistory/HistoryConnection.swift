import Foundation
import Logging
import PortLeaseControlPlane
import PostgresNIO

/// Where the history database is and how to log in: the configuration's `history.database`
/// section, or a `postgresql://` URL on the command line (`portlease trace --database`).
public struct HistoryConnection: Sendable, Equatable, CustomStringConvertible {
    /// Whether the connection is encrypted.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Plain TCP (a database on the same host or a trusted network).
        case disable
        /// TLS when the server offers it.
        case prefer
        /// TLS or no connection, with the server's certificate verified against the system's roots.
        case require
    }

    /// A host name or address, or a directory holding the server's UNIX socket (starts with `/`).
    public var host: String
    public var port: Int
    public var database: String
    public var user: String
    /// Read from the password file at start-up; nil: no password (trust or peer authentication).
    public var password: String?
    public var tls: TLSMode

    public init(host: String, port: Int = 5432, database: String, user: String, password: String?, tls: TLSMode) {
        self.host = host
        self.port = port
        self.database = database
        self.user = user
        self.password = password
        self.tls = tls
    }

    /// Parses `postgresql://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]`
    /// (`postgres://` too; a host that is a socket directory is written `%2Frun%2Fpostgresql`).
    /// Throws with the reason.
    public init(url: String) throws(HistoryError) {
        var rest = Substring(url)
        guard let scheme = ["postgresql://", "postgres://"].first(where: { rest.hasPrefix($0) }) else {
            throw .invalidConnection(url, reason: "expected postgresql://user@host[:port]/database")
        }
        rest = rest.dropFirst(scheme.count)
        var query = ""
        if let mark = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: mark)...])
            rest = rest[..<mark]
        }
        guard let slash = rest.firstIndex(of: "/") else {
            throw .invalidConnection(url, reason: "no database name after the host")
        }
        let database = Self.percentDecoded(rest[rest.index(after: slash)...])
        var authority = rest[..<slash]
        var user = "postgres"
        var password: String?
        if let at = authority.lastIndex(of: "@") {
            let credentials = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                user = Self.percentDecoded(credentials[..<colon])
                password = Self.percentDecoded(credentials[credentials.index(after: colon)...])
            } else {
                user = Self.percentDecoded(credentials)
            }
        }
        var host = Self.percentDecoded(authority)
        var port = 5432
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw .invalidConnection(url, reason: "an IPv6 host needs its closing ]")
            }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                guard let parsed = Int(after.dropFirst()), (1...65535).contains(parsed) else {
                    throw .invalidConnection(url, reason: "the port must be 1...65535")
                }
                port = parsed
            }
        } else if let colon = authority.lastIndex(of: ":") {
            guard let parsed = Int(authority[authority.index(after: colon)...]), (1...65535).contains(parsed) else {
                throw .invalidConnection(url, reason: "the port must be 1...65535")
            }
            port = parsed
            host = Self.percentDecoded(authority[..<colon])
        }
        guard !host.isEmpty else { throw .invalidConnection(url, reason: "no host") }
        guard !database.isEmpty else { throw .invalidConnection(url, reason: "no database name") }
        var tls = TLSMode.prefer
        if host.hasPrefix("/") { tls = .disable }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0] == "sslmode" else {
                throw .invalidConnection(url, reason: "unknown parameter \"\(pair)\" (only sslmode is read)")
            }
            guard let mode = TLSMode(rawValue: String(parts[1])) else {
                throw .invalidConnection(
                    url, reason: "sslmode must be one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            tls = mode
        }
        self.init(host: host, port: port, database: database, user: user, password: password, tls: tls)
    }

    /// The connection without its password, for logs and messages.
    public var description: String {
        host.hasPrefix("/")
            ? "postgresql://\(user)@\(host.replacingSlashes)/\(database)"
            : "postgresql://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
    }

    /// postgres-nio's configuration for this connection.
    var clientConfiguration: PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if host.hasPrefix("/") {
            configuration = .init(
                unixSocketPath: host + "/.s.PGSQL.\(port)", username: user, password: password, database: database)
        } else {
            let mode: PostgresClient.Configuration.TLS
            switch tls {
            case .disable: mode = .disable
            case .prefer: mode = .prefer(.makeClientConfiguration())
            case .require: mode = .require(.makeClientConfiguration())
            }
            configuration = .init(
                host: host, port: port, username: user, password: password, database: database, tls: mode)
        }
        configuration.options.minimumConnections = 0
        configuration.options.maximumConnections = 4
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    /// A client on the control plane's event loop (nice 10): shipping yields the CPU to the packet path.
    func makeClient(logger: Logger) -> PostgresClient {
        // postgres-nio logs every failed connection attempt at info: while the database is away
        // that is a line a second. The shipper reports the outage itself, once.
        var background = logger
        background.logLevel = max(logger.logLevel, .warning)
        return PostgresClient(
            configuration: clientConfiguration, eventLoopGroup: ControlPlane.eventLoops, backgroundLogger: background)
    }

    /// `%XX` escapes decoded (Foundation's); text with a malformed escape is taken as it is.
    private static func percentDecoded(_ text: Substring) -> String {
        String(text).removingPercentEncoding ?? String(text)
    }
}

extension String {
    fileprivate var replacingSlashes: String {
        split(separator: "/", omittingEmptySubsequences: false).joined(separator: "%2F")
    }
}
