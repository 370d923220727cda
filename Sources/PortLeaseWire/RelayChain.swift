/// The nested relay levels around a DHCPv6 message, outermost first.
///
/// Stored inline (no heap allocation): at most ``maximumDepth`` levels, which is
/// RFC 8415's HOP_COUNT_LIMIT; a deeper chain is a typed error rather than
/// unbounded work. Index 0 is the relay that sent the datagram to the server
/// (the reply goes back to it); the last index is the relay closest to the client.
public struct RelayChain {
    /// The deepest chain accepted (RFC 8415 HOP_COUNT_LIMIT).
    public static let maximumDepth = 8

    private var levels: InlineArray<8, RelayMessageView?>
    /// Number of relay levels; 0 for a message that came straight from a client.
    public private(set) var depth: Int

    /// A chain of no relays: the message came directly from the client.
    public init() {
        levels = InlineArray(repeating: nil)
        depth = 0
    }

    mutating func append(_ level: RelayMessageView) throws(WireError) {
        guard depth < Self.maximumDepth else { throw .relayChainTooDeep(limit: Self.maximumDepth) }
        levels[depth] = level
        depth += 1
    }

    /// Level `index`, 0 being the outermost.
    public subscript(index: Int) -> RelayMessageView {
        precondition(index >= 0 && index < depth, "relay level \(index) out of 0..<\(depth)")
        return levels[index]!
    }

    /// True when the message came straight from the client.
    public var isEmpty: Bool { depth == 0 }

    /// The relay that sent the datagram to the server, if any.
    public var outermost: RelayMessageView? { depth > 0 ? levels[0] : nil }

    /// The relay closest to the client (its link-address and peer-address describe
    /// the client's link and the client itself), if any.
    public var innermost: RelayMessageView? { depth > 0 ? levels[depth - 1] : nil }
}
