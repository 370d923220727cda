/// The `"history"` section: where the server ships its holdings (PostgreSQL) and sends its
/// holding events (RFC 5424 syslog). Absent: neither, and nothing else changes.
extension ServerConfiguration {
    /// `"history"`.
    public struct History: Sendable, Equatable {
        /// This server's name in the shared database (letters, digits, `.`, `_`, `-`; at most 63).
        public var instance: String
        public var database: Database?
        public var syslog: Syslog?
        /// Most log records per shipping transaction.
        public var batchSize: Int
        /// How often shipping looks for new records once caught up, in milliseconds.
        public var intervalMilliseconds: Int
        /// A warning is logged when shipping trails the log by more than this many seconds.
        public var lagAlarmSeconds: Int
        /// The database drops the day partitions of holdings that ended more than this many days ago; 0: never.
        public var retentionDays: Int

        public init(
            instance: String, database: Database?, syslog: Syslog? = nil, batchSize: Int = 1000,
            intervalMilliseconds: Int = 200, lagAlarmSeconds: Int = 300, retentionDays: Int = 180
        ) {
            self.instance = instance
            self.database = database
            self.syslog = syslog
            self.batchSize = batchSize
            self.intervalMilliseconds = intervalMilliseconds
            self.lagAlarmSeconds = lagAlarmSeconds
            self.retentionDays = retentionDays
        }
    }

    /// `"history": {"database": {...}}`: the PostgreSQL server.
    public struct Database: Sendable, Equatable {
        /// A host name or address, or the directory of the server's UNIX socket (starting with `/`).
        public var host: String
        public var port: Int
        public var name: String
        public var user: String
        /// A file holding the password (read at start-up); nil: none (trust or peer authentication).
        public var passwordFile: String?
        /// `"disable"`, `"prefer"` or `"require"` (TLS with the server's certificate verified).
        public var tls: String

        public init(host: String, port: Int = 5432, name: String, user: String, passwordFile: String?, tls: String) {
            self.host = host
            self.port = port
            self.name = name
            self.user = user
            self.passwordFile = passwordFile
            self.tls = tls
        }
    }

    /// `"history": {"syslog": {...}}`: RFC 5424 messages, one per holding start and end.
    public struct Syslog: Sendable, Equatable {
        /// How messages travel.
        public enum Transport: String, Sendable, Equatable, CaseIterable {
            /// One datagram per message (RFC 5426).
            case udp
            /// Octet-counted frames on one connection (RFC 6587 section 3.4.1).
            case tcp
            /// Datagrams to a local socket (`/dev/log`: rsyslog or the journal).
            case unix
        }

        public var transport: Transport
        /// The collector's address (udp, tcp), or the socket's path (unix).
        public var host: String
        public var port: Int
        /// RFC 5424 HOSTNAME; nil: the machine's name.
        public var hostname: String?
        /// The facility (RFC 5424 section 6.2.1), 0 ... 23; 16 is local0.
        public var facility: Int

        public init(transport: Transport, host: String, port: Int, hostname: String? = nil, facility: Int = 16) {
            self.transport = transport
            self.host = host
            self.port = port
            self.hostname = hostname
            self.facility = facility
        }
    }

    static let historyKeys = [
        "instance", "database", "syslog", "batch-size", "interval-ms", "lag-alarm", "retention-days",
    ]
    static let databaseKeys = ["host", "port", "name", "user", "password-file", "tls"]
    static let syslogKeys = ["transport", "host", "port", "path", "hostname", "facility"]

    static func readHistory(_ object: JSONObject) -> History? {
        let reader = object.reader
        let instance = object.required("instance", "this server's name in the history database")
            .flatMap { reader.string($0, at: object.path("instance")) }
        if let instance, !isInstanceName(instance) {
            reader.report(
                object.path("instance"),
                "\"\(instance)\" must be 1 to 63 letters, digits, '.', '_' or '-' (it names this server in the shared database)"
            )
        }
        let database = object.object("database", keys: databaseKeys).flatMap(readDatabase)
        let syslog = object.object("syslog", keys: syslogKeys).flatMap(readSyslog)
        if object["database"] == nil && object["syslog"] == nil {
            reader.report(object.path, "needs \"database\" (PostgreSQL), \"syslog\", or both")
        }
        let batchSize = object.integer("batch-size", in: 1...100_000, default: 1000)
        let interval = object.integer("interval-ms", in: 10...60_000, default: 200)
        let lagAlarm = object.integer("lag-alarm", in: 1...31_536_000, default: 300)
        let retention = object.integer("retention-days", in: 0...36_500, default: 180)
        guard let instance else { return nil }
        return History(
            instance: instance, database: database, syslog: syslog, batchSize: batchSize,
            intervalMilliseconds: interval, lagAlarmSeconds: lagAlarm, retentionDays: retention)
    }

    static func isInstanceName(_ text: String) -> Bool {
        (1...63).contains(text.utf8.count)
            && text.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".")
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            }
    }

    private static func readDatabase(_ object: JSONObject) -> Database? {
        let reader = object.reader
        let host = object.required("host", "the PostgreSQL server's name or address, or its socket directory")
            .flatMap { reader.string($0, at: object.path("host")) }
        let name = object.required("name", "the database's name").flatMap { reader.string($0, at: object.path("name")) }
        let user = object.required("user", "the role to log in as").flatMap {
            reader.string($0, at: object.path("user"))
        }
        let port = object.integer("port", in: 1...65535, default: 5432)
        let passwordFile = object.string("password-file")
        if let passwordFile, passwordFile.isEmpty || passwordFile.utf8.contains(0) {
            reader.report(object.path("password-file"), "must be the path of a file holding the password")
        }
        let tls = object.choice("tls", among: ["disable", "prefer", "require"], default: "prefer")
        for (key, value) in [("host", host), ("name", name), ("user", user)] {
            if let value, value.isEmpty || value.utf8.contains(0) {
                reader.report(object.path(key), "must not be empty")
            }
        }
        guard let host, let name, let user else { return nil }
        return Database(host: host, port: port, name: name, user: user, passwordFile: passwordFile, tls: tls)
    }

    private static func readSyslog(_ object: JSONObject) -> Syslog? {
        let reader = object.reader
        let transport =
            Syslog.Transport(
                rawValue: object.choice("transport", among: Syslog.Transport.allCases.map(\.rawValue), default: "udp"))
            ?? .udp
        let facility = object.integer("facility", in: 0...23, default: 16)
        let hostname = object.string("hostname")
        if let hostname,
            hostname.isEmpty || hostname.utf8.count > 255 || hostname.utf8.contains(where: { $0 <= 32 || $0 >= 127 })
        {
            reader.report(
                object.path("hostname"),
                "must be 1 to 255 printable ASCII characters without spaces (RFC 5424 HOSTNAME)")
        }
        if transport == .unix {
            if object["host"] != nil { reader.report(object.path("host"), "is not used with \"unix\"; give \"path\"") }
            let path = object.string("path") ?? "/dev/log"
            return Syslog(transport: .unix, host: path, port: 0, hostname: hostname, facility: facility)
        }
        if object["path"] != nil { reader.report(object.path("path"), "is only used with \"transport\": \"unix\"") }
        let host = object.required("host", "the collector's address").flatMap {
            reader.string($0, at: object.path("host"))
        }
        let port = object.integer("port", in: 1...65535, default: 514)
        guard let host else { return nil }
        return Syslog(transport: transport, host: host, port: port, hostname: hostname, facility: facility)
    }
}
