/// "Did you mean ...?" for a misspelt key or keyword.
enum KeySuggestion {
    /// The candidate closest to `word`: the same after ignoring case and `_`/`-`, or
    /// within a small edit distance (one edit for short words, two for longer ones).
    /// Nil when nothing is close enough to be a plausible typo.
    static func closest(to word: String, among candidates: [String]) -> String? {
        let normalized = normalize(word)
        if let exact = candidates.first(where: { normalize($0) == normalized }) { return exact }
        let limit = word.count <= 4 ? 1 : 2
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(normalized, normalize(candidate))
            if distance <= limit && distance < (best?.distance ?? .max) { best = (candidate, distance) }
        }
        return best?.candidate
    }

    /// The text to append to a reason: ` (did you mean "x"?)` or nothing.
    static func hint(for word: String, among candidates: [String]) -> String {
        closest(to: word, among: candidates).map { " (did you mean \"\($0)\"?)" } ?? ""
    }

    private static func normalize(_ word: String) -> [Character] {
        Array(word.lowercased().map { $0 == "_" || $0 == " " ? "-" : $0 })
    }

    /// Edit distance counting insertions, deletions, substitutions and swaps of two
    /// adjacent characters (`prot` for `port`) as one edit each (optimal string alignment).
    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}
