/// One JSON object of the configuration, with its key path, read key by key through
/// its ``ConfigurationReader``.
///
/// A key whose value is `null` counts as absent, so an operator can switch an
/// optional section off by writing `null` instead of deleting it.
struct JSONObject {
    /// The object's key path (empty for the document).
    let path: String
    let reader: ConfigurationReader
    private let values: [String: JSONValue]

    init(path: String, members: [JSONValue.Member], reader: ConfigurationReader) {
        self.path = path
        self.reader = reader
        // The first occurrence wins; a repeated key was already reported.
        var values: [String: JSONValue] = [:]
        for member in members where values[member.key] == nil { values[member.key] = member.value }
        self.values = values
    }

    /// The key path of `key` in this object.
    func path(_ key: String) -> String {
        ConfigurationReader.path(path, key)
    }

    /// The value of `key`, nil when absent or null.
    subscript(key: String) -> JSONValue? {
        guard let value = values[key], value != .null else { return nil }
        return value
    }

    /// The value of `key`; when absent, reports it as missing (`what` says what is expected).
    func required(_ key: String, _ what: String) -> JSONValue? {
        guard let value = self[key] else {
            reader.report(path(key), "is required: \(what)")
            return nil
        }
        return value
    }

    /// `read(value, keyPath)` applied to the value of `key`; nil when absent or invalid.
    func read<Value>(_ key: String, _ read: (JSONValue, String) -> Value?) -> Value? {
        self[key].flatMap { read($0, path(key)) }
    }

    func string(_ key: String) -> String? {
        read(key) { reader.string($0, at: $1) }
    }

    func bool(_ key: String, default fallback: Bool) -> Bool {
        read(key) { reader.bool($0, at: $1) } ?? fallback
    }

    func integer(_ key: String, in range: ClosedRange<Int>) -> Int? {
        read(key) { reader.integer($0, at: $1, in: range) }
    }

    func integer(_ key: String, in range: ClosedRange<Int>, default fallback: Int) -> Int {
        integer(key, in: range) ?? fallback
    }

    func choice(_ key: String, among choices: [String], default fallback: String) -> String {
        read(key) { reader.choice($0, at: $1, among: choices) } ?? fallback
    }

    func object(_ key: String, keys: [String]) -> JSONObject? {
        read(key) { reader.object($0, at: $1, keys: keys) }
    }

    func list<Element>(_ key: String, element: (JSONValue, String) -> Element?) -> [Element]? {
        read(key) { reader.list($0, at: $1, element: element) }
    }
}
