/// A parsed JSON document, kept closer to the text than a dictionary would be.
///
/// Objects keep their members in order and keep repeated keys, so validation can
/// report a key written twice (JSON parsers usually keep the last one silently).
/// Numbers keep their literal text, so `3600.0`, `1e3` and `2^64` are reported as
/// what the operator wrote instead of being rounded through a `Double`.
enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// The number's literal text, already checked against the JSON number grammar.
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Members in document order, repeated keys included.
    case object([Member])

    /// One member of an object.
    struct Member: Equatable, Sendable {
        var key: String
        var value: JSONValue
    }

    /// What the value is, for "expected a string, found a number" messages.
    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
