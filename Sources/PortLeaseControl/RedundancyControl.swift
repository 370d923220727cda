/// What the control API reads and asks of the `"redundancy"` section (`Docs/Redundancy.md`),
/// given by `portlease serve`: this module knows nothing of the replication link.
public struct RedundancyControl: Sendable {
    /// The pool groups as `GET /v1/status` shows them.
    public var groups: @Sendable () -> [StatusDocument.RedundancyGroup]
    /// Fails back the named group (nil: every yielded group this instance is the active of) and
    /// returns the groups served again; throws the reason it was not done.
    public var failBack: @Sendable (String?) async throws -> [String]

    public init(
        groups: @escaping @Sendable () -> [StatusDocument.RedundancyGroup],
        failBack: @escaping @Sendable (String?) async throws -> [String]
    ) {
        self.groups = groups
        self.failBack = failBack
    }
}

/// The answer to `POST /v1/redundancy/failback`: the groups served here again, and every
/// group's state after it.
public struct FailbackOutcome: Codable, Sendable, Equatable {
    public var failedBack: [String]
    public var redundancy: [StatusDocument.RedundancyGroup]

    public init(failedBack: [String], redundancy: [StatusDocument.RedundancyGroup]) {
        self.failedBack = failedBack
        self.redundancy = redundancy
    }
}
