/// Why a configuration could not be loaded. Nothing of a failed configuration is
/// applied: the caller either gets a complete, valid ``ServerConfiguration`` or this.
public enum ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read (missing, unreadable, a directory, too large).
    case unreadable(path: String, reason: String)
    /// The file is not JSON; `reason` starts with the line and column.
    case invalidJSON(reason: String)
    /// The file is JSON but not a valid configuration: every problem found, in document order.
    case invalid([ConfigurationProblem])

    /// One line per problem, ready for a terminal or a log.
    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .invalidJSON(let reason):
            return "not valid JSON: \(reason)"
        case .invalid(let problems):
            let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
            return (["invalid configuration (\(count)):"] + problems.map { "  \($0)" }).joined(separator: "\n")
        }
    }

    /// The problems of an `.invalid` error; empty for the other cases.
    public var problems: [ConfigurationProblem] {
        if case .invalid(let problems) = self { return problems }
        return []
    }
}
