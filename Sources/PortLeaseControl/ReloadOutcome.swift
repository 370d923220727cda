/// What a reload did (`POST /v1/config/reload`, `portlease config reload`, SIGHUP): applied, or
/// refused with the reasons, and the keys that changed but wait for a restart.
public struct ReloadOutcome: Codable, Sendable, Equatable {
    /// True when the server now runs the file's configuration (restart-only keys aside).
    public var applied: Bool
    /// The configuration file read.
    public var file: String
    /// Why it was refused, one line each (`key: reason` for a problem in the file); empty when applied.
    public var problems: [String]
    /// Keys that changed in the file and take effect only at the next restart.
    public var restartNeeded: [String]

    public init(applied: Bool, file: String, problems: [String] = [], restartNeeded: [String] = []) {
        self.applied = applied
        self.file = file
        self.problems = problems
        self.restartNeeded = restartNeeded
    }
}
