/// A short byte string held by value: up to 32 bytes inline, longer ones in an array.
///
/// Client keys and the relay options a lease record keeps (Interface-ID, Remote-ID)
/// are made on every ACK, so making one must not allocate: nearly all of them
/// (hardware addresses, RFC 4361 identifiers on DUID-LL/LLT/UUID, interface names,
/// circuit ids) fit in 32 bytes. The storage choice depends only on the length, so
/// equal contents compare and hash equal.
public struct InlineBytes: Hashable, Sendable {
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
        // Words before the count: 33 bytes of payload, so an InlineBytes is 34 bytes
        // and a field after it (a lease entry's state byte) can sit in its tail.
        case inline(InlineWords, count: UInt8)
        case heap([UInt8])
    }

    private let storage: Storage

    /// A copy of `bytes`.
    public init(_ bytes: UnsafeRawBufferPointer) {
        if bytes.count <= Self.inlineCapacity {
            var inline = InlineWords()
            withUnsafeMutableBytes(of: &inline.words) { $0.copyMemory(from: bytes) }
            storage = .inline(inline, count: UInt8(bytes.count))
        } else {
            storage = .heap(Array(bytes))
        }
    }

    /// A copy of `bytes`.
    public init(_ bytes: [UInt8]) {
        self = bytes.withUnsafeBytes { InlineBytes($0) }
    }

    /// The number of bytes.
    public var count: Int {
        switch storage {
        case .inline(_, let count): Int(count)
        case .heap(let array): array.count
        }
    }

    /// Calls `body` with the bytes.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        switch storage {
        case .inline(var inline, let count):
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
