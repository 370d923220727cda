import Foundation

/// Walks a generator's command line (`--name value ...`): the option under the cursor, its
/// value, counts that may be written with `_` separators. Errors are the caller's type, made
/// from a message naming the option.
public struct ArgumentCursor<Failure: Error> {
    private let arguments: [String]
    private let failure: (String) -> Failure
    private var index = 0

    public init(_ arguments: [String], failure: @escaping (String) -> Failure) {
        self.arguments = arguments
        self.failure = failure
    }

    /// The option under the cursor, nil at the end.
    public var current: String? { index < arguments.count ? arguments[index] : nil }

    /// Moves past the option under the cursor (and its value, if one was read).
    public mutating func advance() { index += 1 }

    /// The value after the option under the cursor.
    public mutating func value() throws(Failure) -> String {
        index += 1
        guard index < arguments.count else { throw failure("\(arguments[index - 1]) needs a value") }
        return arguments[index]
    }

    /// The value after the option under the cursor, as a non-negative count.
    public mutating func number<T: FixedWidthInteger>() throws(Failure) -> T {
        let name = arguments[index]
        let text = try value()
        guard let number = T(text.replacingOccurrences(of: "_", with: "")), number >= 0 else {
            throw failure("\(name): not a count: \(text)")
        }
        return number
    }
}
