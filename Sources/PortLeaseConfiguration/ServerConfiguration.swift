import LeaseEngine
import LeaseLog
import PortLeaseWire
import PortSetPool

/// Everything `portlease serve` runs with: where to listen, how many workers, where the
/// lease log lives, and the engine's pools and limits.
///
/// Read with ``load(contentsOf:)`` or ``parse(_:)``, which validate the whole file first
/// and report every problem at once, so what they return is complete and consistent.
/// The memberwise initialiser (for tests and tools) validates nothing; ``makePools()``
/// still checks what the pools need. The JSON keys are documented in `Config/README.md`.
public struct ServerConfiguration: Sendable, Equatable {
    /// The sockets the server receives on.
    public struct Listen: Sendable, Equatable {
        /// Addresses to bind; `::` receives on every address of the host.
        public var addresses: [IPv6Address]
        /// UDP port; 547 in deployments, 0 lets the kernel choose (tests).
        public var port: UInt16
        /// Interfaces on which to join `ff02::1:2`, for clients on the same link without a relay.
        public var interfaces: [String]

        public init(addresses: [IPv6Address] = [.unspecified], port: UInt16 = 547, interfaces: [String] = []) {
            self.addresses = addresses
            self.port = port
            self.interfaces = interfaces
        }
    }

    /// Where and how the lease log is kept.
    public struct LeaseLogSettings: Sendable, Equatable {
        /// The log's directory; a relative path is relative to the server's working directory.
        public var directory: String
        /// `fsync` on every group commit, or `none` (survives a crash of the process, not of the machine).
        public var durability: LeaseLog.Durability
        /// Holdings that ended more than this many days ago are deleted by retention.
        public var historyDays: Int
        /// A segment at or past this many bytes is sealed and a new one started.
        public var segmentSize: Int
        /// A segment older than this many seconds is sealed too, and compaction looks for sealed
        /// segments this often (at least every 10 s): how far the live log trails the snapshot.
        public var compactionIntervalSeconds: Int
        /// Whether commits are durable direct writes where the file system allows
        /// (`LeaseLog.Options.directWrites`); false: `write` and `fdatasync` through the page cache.
        public var directWrites: Bool

        public init(
            directory: String, durability: LeaseLog.Durability = .fsync, historyDays: Int = 180,
            segmentSize: Int = 64 << 20, compactionIntervalSeconds: Int = 300, directWrites: Bool = true
        ) {
            self.directory = directory
            self.durability = durability
            self.historyDays = historyDays
            self.segmentSize = segmentSize
            self.compactionIntervalSeconds = compactionIntervalSeconds
            self.directWrites = directWrites
        }

        /// The options to open each shard's `LeaseLog` with.
        public var options: LeaseLog.Options {
            LeaseLog.Options(
                segmentSize: segmentSize, segmentMaxAge: Int64(compactionIntervalSeconds) * 1000,
                durability: durability, directWrites: directWrites)
        }
    }

    /// Where the Prometheus text endpoint listens.
    /// The control API's listener (`"control"`): HTTP/JSON on a UNIX socket whose file
    /// permissions are its access control.
    public enum Control: Sendable, Equatable {
        /// `control/api.sock` in the lease-log directory (the socket 0660 in a 0750 directory).
        case `default`
        /// A socket at this path.
        case socket(String)
        /// No control API.
        case off

        /// The longest UNIX socket path (SwiftNIO's limit, under `sun_path`'s 108 bytes).
        public static let longestSocketPath = 103

        /// The socket's path for a server whose lease log is in `leaseLogDirectory`; nil: off.
        public func socketPath(leaseLogDirectory: String) -> String? {
            switch self {
            case .default: leaseLogDirectory + "/control/api.sock"
            case .socket(let path): path
            case .off: nil
            }
        }
    }

    /// The control API over TCP (`"control": {"listen": ..., "token-file": ...}`): for tools on
    /// other hosts. Requests must carry `Authorization: Bearer <token>` when a token file is
    /// given, which `check-config` requires for any address but loopback.
    public struct ControlTCP: Sendable, Equatable {
        public var host: String
        public var port: UInt16
        /// The file holding the bearer token (read at start-up); nil: no token.
        public var tokenFile: String?
        /// TLS with client certificates (mutual TLS); nil: plain HTTP.
        public var tls: ControlTLS?

        public init(host: String, port: UInt16, tokenFile: String?, tls: ControlTLS? = nil) {
            self.host = host
            self.port = port
            self.tokenFile = tokenFile
            self.tls = tls
        }
    }

    /// `"control": {"tls": {...}}`: the TCP listener speaks TLS and admits only clients whose
    /// certificate a CA in `clientCAFile` signed. PEM files, read at start-up.
    public struct ControlTLS: Sendable, Equatable {
        public var certificateFile: String
        public var keyFile: String
        public var clientCAFile: String

        public init(certificateFile: String, keyFile: String, clientCAFile: String) {
            self.certificateFile = certificateFile
            self.keyFile = keyFile
            self.clientCAFile = clientCAFile
        }
    }

    public struct Metrics: Sendable, Equatable, CustomStringConvertible {
        /// An IPv4 or IPv6 address in text form, without brackets.
        public var host: String
        /// TCP port; 0 lets the kernel choose (tests).
        public var port: UInt16

        public init(host: String, port: UInt16) {
            self.host = host
            self.port = port
        }

        /// `host:port`, with an IPv6 host in brackets.
        public var description: String {
            host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }

    /// The levels `log-level` accepts, most verbose first (swift-log's `Logger.Level` names).
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Option 54 of every reply; stored in ``engine``, where the engine reads it.
    public var serverIdentifier: IPv4Address {
        get { engine.serverIdentifier }
        set { engine.serverIdentifier = newValue }
    }
    /// The DHCPv6 server DUID (option 2 of every DHCPv6 reply); nil: the server derives one.
    public var serverDUID: [UInt8]?
    public var listen: Listen
    /// Option 88 in replies to Information-Request: where clients send DHCPv4-QUERY. May be empty.
    public var dhcp4o6ServerAddresses: [IPv6Address]
    /// Shard workers (threads), each with its own engine, lease log and pool partitions.
    public var workers: Int
    /// At most this many datagrams wait for each worker; more are dropped and counted.
    public var queueDepth: Int
    /// Milliseconds a query may wait for its worker before it is shed (DISCOVERs: half).
    public var queueDelayBudgetMilliseconds: Int
    public var leaseLog: LeaseLogSettings
    /// The metrics endpoint; nil: no metrics.
    public var metrics: Metrics?
    /// Where the control API listens.
    public var control: Control
    /// The control API's optional TCP listener; nil: the UNIX socket only.
    public var controlTCP: ControlTCP?
    /// Where holdings are shipped (PostgreSQL) and sent (syslog); nil: nowhere.
    public var history: History?
    /// Hot-standby partners and pool groups; nil: no partners, this instance serves every pool.
    public var redundancy: Redundancy?
    /// One of ``logLevels``.
    public var logLevel: String
    /// The server identifier, pools, timers and limits each shard's engine runs with.
    public var engine: EngineConfiguration
    /// DISCOVERs per client source prefix; nil: no limit (`"discover-rate": "off"`).
    public var discoverRate: DiscoverRate?

    public init(
        engine: EngineConfiguration, leaseLog: LeaseLogSettings, serverDUID: [UInt8]? = nil, listen: Listen = Listen(),
        dhcp4o6ServerAddresses: [IPv6Address] = [], workers: Int = 2, queueDepth: Int = 4096,
        metrics: Metrics? = nil, logLevel: String = "info", discoverRate: DiscoverRate? = DiscoverRate(),
        queueDelayBudgetMilliseconds: Int = 1000, control: Control = .default, controlTCP: ControlTCP? = nil,
        history: History? = nil, redundancy: Redundancy? = nil
    ) {
        self.history = history
        self.redundancy = redundancy
        self.control = control
        self.controlTCP = controlTCP
        self.queueDelayBudgetMilliseconds = queueDelayBudgetMilliseconds
        self.discoverRate = discoverRate
        self.engine = engine
        self.leaseLog = leaseLog
        self.serverDUID = serverDUID
        self.listen = listen
        self.dhcp4o6ServerAddresses = dhcp4o6ServerAddresses
        self.workers = workers
        self.queueDepth = queueDepth
        self.metrics = metrics
        self.logLevel = logLevel
    }

    /// Reads and validates the configuration file at `path`.
    public static func load(contentsOf path: String) throws(ConfigurationError) -> ServerConfiguration {
        try parse(ConfigurationFile.read(path))
    }

    /// Validates a configuration document: the result, or every problem found.
    ///
    /// Validation includes building each pool's `PortSetPool` once with ``workers``
    /// partitions (then dropping it), so what only the pool can judge (a reserved-port
    /// set that leaves no port set, a pool too small to split among the workers, too
    /// many slots) is reported here, with the pool's key path, and not at start-up.
    public static func parse(_ json: [UInt8]) throws(ConfigurationError) -> ServerConfiguration {
        let document = try JSONParser.parse(json)
        let reader = ConfigurationReader()
        let configuration = read(document, reader)
        guard reader.problems.isEmpty, let configuration else { throw .invalid(reader.problems) }
        return configuration
    }

    /// ``parse(_:)`` of UTF-8 text.
    public static func parse(_ json: String) throws(ConfigurationError) -> ServerConfiguration {
        try parse(Array(json.utf8))
    }

    /// The shared pools for ``engine``, one partition per worker: what the server passes to
    /// `LeaseEngine(configuration:pools:shard:)`. A configuration from ``parse(_:)``
    /// has been built once already, so this fails only for a value changed since.
    public func makePools() throws(ConfigurationError) -> [PortSetPool] {
        do throws(EngineError) {
            return try LeaseEngine.makePools(for: engine, shards: workers)
        } catch {
            let pools = engine.pools
            throw .invalid([
                ConfigurationReader.problem(for: error, workers: workers) { name in
                    ConfigurationReader.path("pools", index: pools.firstIndex { $0.name == name } ?? 0)
                }
            ])
        }
    }
}
