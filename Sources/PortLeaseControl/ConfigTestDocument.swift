import PortLeaseConfiguration

/// The body of `POST /v1/config/test` (`Docs/openapi.json`, schema `ConfigTest`): what
/// `portlease check-config` says of a configuration, for one posted to the running server
/// before it is installed. Nothing is applied: a reload is SIGHUP's (or a later operation's).
public struct ConfigTestDocument: Codable, Sendable, Equatable {
    /// A problem or a warning, at its key path (`pools[1].addresses[0]`; empty for the document).
    public struct Finding: Codable, Sendable, Equatable {
        public var keyPath: String
        public var reason: String
    }

    /// True when the configuration would load.
    public var valid: Bool
    /// Every reason it would not, in document order (`valid` is false when there is one).
    public var problems: [Finding]
    /// What would load but is probably a mistake (as `check-config` warns).
    public var warnings: [Finding]

    /// The verdict on the configuration `json`.
    public init(testing json: [UInt8]) {
        do throws(ConfigurationError) {
            let configuration = try ServerConfiguration.parse(json)
            valid = true
            problems = []
            warnings = configuration.warnings().map { Finding(keyPath: $0.keyPath, reason: $0.reason) }
        } catch {
            valid = false
            warnings = []
            if case .invalid(let found) = error {
                problems = found.map { Finding(keyPath: $0.keyPath, reason: $0.reason) }
            } else {
                problems = [Finding(keyPath: "", reason: "\(error)")]
            }
        }
    }
}
