/// One thing wrong with a configuration file: where (`pools[0].shared.psid-offset`)
/// and why, in words an operator can act on.
///
/// Validation collects every problem before giving up, so one run of
/// `portlease check-config` shows all of them.
public struct ConfigurationProblem: Sendable, Hashable, CustomStringConvertible {
    /// The key path: object keys joined by dots, array elements as `[index]`; empty for
    /// the document itself.
    public var keyPath: String
    /// What is wrong and, where it helps, what would be right.
    public var reason: String

    public init(keyPath: String, reason: String) {
        self.keyPath = keyPath
        self.reason = reason
    }

    /// `keyPath: reason`, the form the CLI and the log print.
    public var description: String {
        keyPath.isEmpty ? reason : "\(keyPath): \(reason)"
    }
}
