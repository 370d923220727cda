/// The metric and label names a PromQL expression refers to, read well enough for the
/// dashboard's queries: string literals, `{...}` matchers and `[...]` ranges are set aside,
/// `by`/`without`/`on`/`ignoring`/`group_left`/`group_right` lists give label names, and an
/// identifier followed by `(` (or by `by`/`without`) is a function or an aggregation, not a metric.
struct PromQLNames {
    var metrics: Set<String> = []
    var labels: Set<String> = []

    private static let keywords: Set<String> = [
        "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset",
        "inf", "nan",
    ]
    private static let labelLists: Set<String> = ["by", "without", "on", "ignoring", "group_left", "group_right"]

    /// The names in `expression`; `label_values(selector, label)` (a Grafana variable query)
    /// reads as its selector plus the label.
    init(_ expression: String) {
        var text = Substring(expression)
        if text.hasPrefix("label_values("), text.hasSuffix(")"), let comma = text.lastIndex(of: ",") {
            labels.insert(text[text.index(after: comma)..<text.index(before: text.endIndex)].trimmed)
            text = text[text.index(text.startIndex, offsetBy: "label_values(".count)..<comma]
        }
        read(Array(text))
    }

    private mutating func read(_ characters: [Character]) {
        var index = 0
        var pendingLabelList = false
        while index < characters.count {
            let character = characters[index]
            if character == "\"" || character == "'" || character == "`" {
                index = Self.skipString(characters, from: index)
            } else if character == "{" {
                let end = characters[index...].firstIndex(of: "}") ?? characters.count
                readMatchers(String(characters[(index + 1)..<end]))
                index = end + 1
            } else if character == "[" {
                index = (characters[index...].firstIndex(of: "]") ?? characters.count) + 1
            } else if character == "(" && pendingLabelList {
                let end = characters[index...].firstIndex(of: ")") ?? characters.count
                for label in String(characters[(index + 1)..<end]).split(separator: ",") {
                    labels.insert(label.trimmed)
                }
                pendingLabelList = false
                index = end + 1
            } else if character.isNumber {
                // A number (0.99, 1e3): not a name.
                while index < characters.count
                    && (characters[index].isLetter || characters[index].isNumber || characters[index] == ".")
                {
                    index += 1
                }
            } else if character == "$" {
                // A dashboard variable outside a matcher or range: not a name.
                index += 1
                while index < characters.count && Self.isNamePart(characters[index]) { index += 1 }
            } else if Self.isNameStart(character) {
                let start = index
                while index < characters.count && Self.isNamePart(characters[index]) { index += 1 }
                let name = String(characters[start..<index])
                var next = index
                while next < characters.count && characters[next] == " " { next += 1 }
                // A call, or an aggregation with its label list first: `sum by (pool) (...)`.
                let rest = String(characters[next...])
                let isCall =
                    rest.hasPrefix("(") || rest.hasPrefix("by ") || rest.hasPrefix("by(")
                    || rest.hasPrefix("without ") || rest.hasPrefix("without(")
                if Self.labelLists.contains(name) {
                    pendingLabelList = true
                } else if !isCall && !Self.keywords.contains(name.lowercased()) {
                    metrics.insert(name)
                }
            } else {
                index += 1
            }
        }
    }

    /// Label names on the left of `=`, `!=`, `=~`, `!~` in a matcher list.
    private mutating func readMatchers(_ text: String) {
        var characters = Array(text)
        // Blank out the values so commas inside them do not split.
        var index = 0
        while index < characters.count {
            if characters[index] == "\"" || characters[index] == "'" || characters[index] == "`" {
                let end = Self.skipString(characters, from: index)
                for blank in index..<min(end, characters.count) { characters[blank] = " " }
                index = end
            } else {
                index += 1
            }
        }
        for matcher in String(characters).split(separator: ",") {
            let name = matcher.prefix { Self.isNamePart($0) || $0 == " " }.trimmed
            if !name.isEmpty { labels.insert(name) }
        }
    }

    private static func skipString(_ characters: [Character], from start: Int) -> Int {
        let quote = characters[start]
        var index = start + 1
        while index < characters.count && characters[index] != quote {
            index += characters[index] == "\\" && quote != "`" ? 2 : 1
        }
        return index + 1
    }

    private static func isNameStart(_ character: Character) -> Bool {
        character == "_" || character == ":" || (character.isASCII && character.isLetter)
    }

    private static func isNamePart(_ character: Character) -> Bool {
        isNameStart(character) || (character.isASCII && character.isNumber)
    }
}

/// A Prometheus text exposition, as the names it holds.
struct Exposition {
    /// `# TYPE` lines: family name to type.
    var families: [String: String] = [:]
    /// Names of the sample lines (a histogram's `_bucket`, `_sum`, `_count`).
    var samples: Set<String> = []
    /// Every label name on any sample.
    var labels: Set<String> = []

    init(_ text: String) {
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                if parts.count == 4 { families[String(parts[2])] = String(parts[3]) }
            } else if !line.hasPrefix("#") {
                let name = line.prefix { $0 != "{" && $0 != " " }
                samples.insert(String(name))
                guard line.dropFirst(name.count).first == "{", let close = line.lastIndex(of: "}") else { continue }
                for pair in line[line.index(after: line.index(line.startIndex, offsetBy: name.count))..<close]
                    .split(separator: ",")
                {
                    labels.insert(String(pair.prefix { $0 != "=" }))
                }
            }
        }
    }

    /// The family a queried name belongs to: the name, or a histogram's name without
    /// `_bucket`, `_sum` or `_count`.
    func family(of name: String) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let family = String(name.dropLast(suffix.count))
            if families[family] == "histogram" { return family }
        }
        return name
    }

    /// True when the server declares `name`'s family and has samples of `name` itself.
    func serves(_ name: String) -> Bool {
        families[family(of: name)] != nil && samples.contains(name)
    }
}

extension Substring {
    fileprivate var trimmed: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
