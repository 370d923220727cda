/// The nested relay levels around a DHCPv6 message, outermost first.
///
/// Stored inline and small (no heap allocation, 8 bytes a level): at most
/// ``maximumDepth`` levels, which is RFC 8415's HOP_COUNT_LIMIT; a deeper chain
/// is a typed error rather than unbounded work. The chain keeps where each level
/// lies in the datagram and rebuilds a level's ``RelayMessageView`` from the
/// already-validated bytes when asked: copying eight full views on every packet
/// cost more than re-reading the one or two levels a reply needs.
/// Index 0 is the relay that sent the datagram to the server (the reply goes
/// back to it); the last index is the relay closest to the client.
/// The chain borrows the caller's memory: it is valid only while that buffer is.
public struct RelayChain {
    /// The deepest chain accepted (RFC 8415 HOP_COUNT_LIMIT).
    public static let maximumDepth = 8

    /// The datagram the levels were parsed from.
    private var datagram: UnsafeRawBufferPointer
    /// Per level: offset in `datagram` (high 32 bits) and length (low 32 bits).
    private var spans: InlineArray<8, UInt64>
    /// Number of relay levels; 0 for a message that came straight from a client.
    public private(set) var depth: Int

    /// A chain of no relays: the message came directly from the client.
    public init() {
        datagram = UnsafeRawBufferPointer(start: nil, count: 0)
        spans = InlineArray(repeating: 0)
        depth = 0
    }

    init(datagram: UnsafeRawBufferPointer) {
        self.init()
        self.datagram = datagram
    }

    /// Records `level`, which must have been parsed from inside `datagram`.
    mutating func append(_ level: RelayMessageView) throws(WireError) {
        guard depth < Self.maximumDepth else { throw .relayChainTooDeep(limit: Self.maximumDepth) }
        let offset = level.bytes.baseAddress! - datagram.baseAddress!
        spans[depth] = UInt64(offset) << 32 | UInt64(level.bytes.count)
        depth += 1
    }

    /// Level `index`, 0 being the outermost.
    public subscript(index: Int) -> RelayMessageView {
        precondition(index >= 0 && index < depth, "relay level \(index) out of 0..<\(depth)")
        let span = spans[index]
        let bytes = datagram.slice(Int(span >> 32), Int(span & 0xFFFF_FFFF))
        do throws(WireError) {
            return try RelayMessageView(parsing: bytes)
        } catch {
            preconditionFailure("a relay level that parsed once failed to parse again: \(error)")
        }
    }

    /// True when the message came straight from the client.
    public var isEmpty: Bool { depth == 0 }

    /// The relay that sent the datagram to the server, if any.
    public var outermost: RelayMessageView? { depth > 0 ? self[0] : nil }

    /// The relay closest to the client (its link-address and peer-address describe
    /// the client's link and the client itself), if any.
    public var innermost: RelayMessageView? { depth > 0 ? self[depth - 1] : nil }
}
