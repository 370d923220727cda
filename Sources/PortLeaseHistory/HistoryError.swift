/// What can go wrong with the history database, each case saying what to do.
public enum HistoryError: Error, Sendable, CustomStringConvertible, Equatable {
    /// A connection URL or setting that cannot be used.
    case invalidConnection(String, reason: String)
    /// The database's schema is older than this version needs: run `portlease history migrate`.
    case schemaTooOld(found: Int, needed: Int)
    /// The database's schema is newer than this version knows: upgrade PortLease.
    case schemaTooNew(found: Int, known: Int)
    /// The database answered with an error.
    case database(String)
    /// Another process moved this instance's shipping cursor: two servers ship as one instance.
    case cursorMoved(instance: String, shard: Int, expected: UInt64, found: UInt64)
    /// A request to the database that cannot be made (a bad filter, a time window the wrong way round).
    case invalidQuery(String)

    public var description: String {
        switch self {
        case .invalidConnection(let text, let reason):
            "history database \"\(text)\": \(reason)"
        case .schemaTooOld(let found, let needed):
            "the history database has schema version \(found), this PortLease needs \(needed): run portlease history migrate"
        case .schemaTooNew(let found, let known):
            "the history database has schema version \(found), newer than this PortLease knows (\(known)): upgrade PortLease"
        case .database(let message):
            "history database: \(message)"
        case .cursorMoved(let instance, let shard, let expected, let found):
            "the shipping cursor of instance \"\(instance)\" shard \(shard) is at \(found), expected \(expected): "
                + "another server ships under the same instance name; give each server its own \"instance\""
        case .invalidQuery(let reason):
            "history query: \(reason)"
        }
    }
}
