/// The contents of one relay option a lease record keeps (Interface-ID, Remote-ID).
///
/// Every ACK of a relayed query makes a record carrying these bytes, so making one
/// must not allocate: contents up to 32 bytes (interface names, circuit ids,
/// enterprise number + a MAC or a short string) are stored inline, longer ones in
/// an array. The storage choice depends only on the length, so equal contents
/// compare and hash equal.
public struct RelayOptionBytes: Hashable, Sendable {
    /// The longest contents stored without allocating.
    public static let inlineCapacity = 32

    private struct InlineWords: Hashable {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

        static func == (lhs: InlineWords, rhs: InlineWords) -> Bool {
            lhs.words == rhs.words
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(words.0)
            hasher.combine(words.1)
            hasher.combine(words.2)
            hasher.combine(words.3)
        }
    }

    private enum Storage: Hashable {
        case inline(count: UInt8, InlineWords)
        case heap([UInt8])
    }

    private let storage: Storage

    /// A copy of `bytes`.
    public init(_ bytes: UnsafeRawBufferPointer) {
        if bytes.count <= Self.inlineCapacity {
            var inline = InlineWords()
            withUnsafeMutableBytes(of: &inline.words) { $0.copyMemory(from: bytes) }
            storage = .inline(count: UInt8(bytes.count), inline)
        } else {
            storage = .heap(Array(bytes))
        }
    }

    /// A copy of `bytes`.
    public init(_ bytes: [UInt8]) {
        self = bytes.withUnsafeBytes { RelayOptionBytes($0) }
    }

    /// The number of bytes.
    public var count: Int {
        switch storage {
        case .inline(let count, _): Int(count)
        case .heap(let array): array.count
        }
    }

    /// Calls `body` with the bytes.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        switch storage {
        case .inline(let count, var inline):
            return try Swift.withUnsafeBytes(of: &inline.words) { raw in
                try body(UnsafeRawBufferPointer(rebasing: raw[0..<Int(count)]))
            }
        case .heap(let array):
            return try array.withUnsafeBytes(body)
        }
    }

    /// The bytes as an array.
    public var bytes: [UInt8] {
        withUnsafeBytes { Array($0) }
    }
}
