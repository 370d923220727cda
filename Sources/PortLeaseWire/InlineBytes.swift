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

    // The storage and the accessors below are inlinable: the lease table hashes and
    // compares client keys on every exchange from another module, where a call to
    // the generic `withUnsafeBytes` was not specialised (a closure context and
    // value witness calls per key).

    @usableFromInline
    struct InlineWords: Hashable, Sendable {
        @usableFromInline var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

        @inlinable init() {}

        @inlinable
        static func == (lhs: InlineWords, rhs: InlineWords) -> Bool {
            lhs.words == rhs.words
        }

        @usableFromInline
        func hash(into hasher: inout Hasher) {
            hasher.combine(words.0)
            hasher.combine(words.1)
            hasher.combine(words.2)
            hasher.combine(words.3)
        }
    }

    @usableFromInline
    enum Storage: Hashable, Sendable {
        // Words before the count: 33 bytes of payload, so an InlineBytes is 34 bytes
        // and a field after it (a lease entry's state byte) can sit in its tail.
        case inline(InlineWords, count: UInt8)
        case heap([UInt8])
    }

    @usableFromInline let storage: Storage

    /// A copy of `bytes`. Inlinable: the engine makes client keys and the relay
    /// options of every ACK's record from another module.
    @inlinable
    public init(_ bytes: UnsafeRawBufferPointer) {
        if bytes.count <= Self.inlineCapacity {
            var inline = InlineWords()
            if let source = bytes.baseAddress {
                withUnsafeMutableBytes(of: &inline.words) { words in
                    words.baseAddress!.copyMemory(from: source, byteCount: bytes.count)
                }
            }
            storage = .inline(inline, count: UInt8(bytes.count))
        } else {
            storage = .heap(Array(bytes))
        }
    }

    /// A copy of `bytes`.
    public init(_ bytes: [UInt8]) {
        self = bytes.withUnsafeBytes { InlineBytes($0) }
    }

    /// Equal contents (the storage depends only on the length).
    @inlinable
    public static func == (lhs: InlineBytes, rhs: InlineBytes) -> Bool {
        switch (lhs.storage, rhs.storage) {
        case (.inline(let left, let leftCount), .inline(let right, let rightCount)):
            return leftCount == rightCount && left == right
        case (.heap(let left), .heap(let right)):
            return left == right
        default:
            return false
        }
    }

    /// The number of bytes.
    @inlinable
    public var count: Int {
        switch storage {
        case .inline(_, let count): Int(count)
        case .heap(let array): array.count
        }
    }

    /// Calls `body` with the bytes.
    @inlinable
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
