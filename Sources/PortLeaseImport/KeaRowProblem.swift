/// A row of a Kea lease file that cannot be read: its line number (the header is line 1),
/// the column at fault (nil when the row as a whole is wrong) and why.
public struct KeaRowProblem: Error, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The line in the file, counting from 1 (the header).
    public var line: Int
    /// The column at fault, by its header name; nil for the wrong number of columns.
    public var column: String?
    /// What is wrong, with the offending text.
    public var reason: String

    /// The problem of line `line`, in `column` (nil: the row as a whole), for `reason`.
    public init(line: Int, column: String?, reason: String) {
        self.line = line
        self.column = column
        self.reason = reason
    }

    /// `line 7: hwaddr: not hex bytes: "zz:01"`.
    public var description: String {
        "line \(line): " + (column.map { "\($0): " } ?? "") + reason
    }
}
