import PortLeaseWire

/// Reads typed values out of a parsed configuration, recording a problem for every
/// value that is missing, of the wrong type or out of range, and carrying on.
///
/// Every reading method returns nil (or the caller's default) after recording a
/// problem, so one pass over the document finds all problems; the caller builds the
/// result only when ``problems`` is empty, so nothing invalid is ever applied.
final class ConfigurationReader {
    /// Problems in the order they were found (document order, object by object).
    private(set) var problems: [ConfigurationProblem] = []

    func report(_ keyPath: String, _ reason: String) {
        let problem = ConfigurationProblem(keyPath: keyPath, reason: reason)
        if !problems.contains(problem) { problems.append(problem) }
    }

    /// `parent.key`; `key` at the top level, `parent` for an empty key.
    static func path(_ parent: String, _ key: String) -> String {
        parent.isEmpty ? key : key.isEmpty ? parent : "\(parent).\(key)"
    }

    /// `parent[index]`.
    static func path(_ parent: String, index: Int) -> String {
        "\(parent)[\(index)]"
    }

    /// True when `text` has only ASCII letters, digits, `-`, `_` and `.`: safe in log
    /// lines, metric labels and DNS names.
    static func isPlainName(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0))
        }
    }

    // MARK: - Scalars

    /// The value as an object whose keys must be among `keys`; unknown and repeated keys
    /// are reported (with a suggestion for near misses) and the rest is still read.
    func object(_ value: JSONValue, at path: String, keys: [String]) -> JSONObject? {
        guard case .object(let members) = value else {
            report(path, "expected an object, found \(value.kind)")
            return nil
        }
        var seen: Set<String> = []
        for member in members {
            let memberPath = Self.path(path, member.key)
            if !keys.contains(member.key) {
                report(memberPath, "unknown key" + KeySuggestion.hint(for: member.key, among: keys))
            } else if !seen.insert(member.key).inserted {
                report(memberPath, "appears more than once in the same object")
            }
        }
        return JSONObject(path: path, members: members, reader: self)
    }

    func string(_ value: JSONValue, at path: String) -> String? {
        guard case .string(let text) = value else {
            report(path, "expected a string, found \(value.kind)")
            return nil
        }
        return text
    }

    func bool(_ value: JSONValue, at path: String) -> Bool? {
        guard case .bool(let flag) = value else {
            report(path, "expected true or false, found \(value.kind)")
            return nil
        }
        return flag
    }

    /// An integer within `range`. `3600.0`, `1e3` and strings are type errors: the file
    /// says exactly what the server uses.
    func integer(_ value: JSONValue, at path: String, in range: ClosedRange<Int>) -> Int? {
        guard case .number(let text) = value else {
            report(path, "expected an integer, found \(value.kind)")
            return nil
        }
        guard let number = Int(text) else {
            let isInteger = text.allSatisfy { $0 == "-" || $0.isASCII && $0.isNumber }
            report(path, isInteger ? "\(text) is outside \(range)" : "expected an integer, found \(text)")
            return nil
        }
        guard range.contains(number) else {
            report(path, "\(number) is outside \(range)")
            return nil
        }
        return number
    }

    /// One of `choices` (exact spelling), with a suggestion for a near miss.
    func choice(_ value: JSONValue, at path: String, among choices: [String]) -> String? {
        guard let text = string(value, at: path) else { return nil }
        guard choices.contains(text) else {
            let listed = choices.map { "\"\($0)\"" }.joined(separator: ", ")
            report(path, "\"\(text)\" is not one of \(listed)" + KeySuggestion.hint(for: text, among: choices))
            return nil
        }
        return text
    }

    /// Each element read by `element` (given the element and its key path). Nil when
    /// `value` is not an array or any element failed; every element is still read, so
    /// all bad elements are reported.
    func list<Element>(
        _ value: JSONValue, at path: String, element: (JSONValue, String) -> Element?
    ) -> [Element]? {
        guard case .array(let values) = value else {
            report(path, "expected an array, found \(value.kind)")
            return nil
        }
        var elements: [Element] = []
        var failed = false
        for (index, item) in values.enumerated() {
            if let parsed = element(item, Self.path(path, index: index)) {
                elements.append(parsed)
            } else {
                failed = true
            }
        }
        return failed ? nil : elements
    }

    /// Reports every element equal to an earlier one.
    func reportDuplicates<Element: Hashable>(_ elements: [Element], at path: String, what: String) {
        var seen: [Element: Int] = [:]
        for (index, element) in elements.enumerated() {
            if let first = seen[element] {
                report(Self.path(path, index: index), "repeats \(what) \(element) of \(Self.path(path, index: first))")
            } else {
                seen[element] = index
            }
        }
    }
}
