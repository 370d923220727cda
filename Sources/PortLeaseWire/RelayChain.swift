/// The nested relay levels around a DHCPv6 message, outermost first.
///
/// Stored inline and small (no heap allocation, 32 bytes a level): at most
/// ``maximumDepth`` levels, which is RFC 8415's HOP_COUNT_LIMIT; a deeper chain
/// is a typed error rather than unbounded work. The chain keeps where each level
/// lies in the datagram and where its parse found the options a reply and the
/// engine read (relayed message, Interface-ID, Remote-ID, Subscriber-ID, Relay
/// Source Port), and rebuilds a level's ``RelayMessageView`` from those when
/// asked: copying eight full views on every packet cost more than rebuilding the
/// one or two levels a reply needs, and re-parsing a level's options on each
/// access (once for the engine's query, once for the Relay-reply) cost more still.
/// Index 0 is the relay that sent the datagram to the server (the reply goes
/// back to it); the last index is the relay closest to the client.
/// The chain borrows the caller's memory: it is valid only while that buffer is.
public struct RelayChain {
    /// The deepest chain accepted (RFC 8415 HOP_COUNT_LIMIT).
    public static let maximumDepth = 8

    /// Where one level and the values its parse found lie.
    private struct Level {
        /// Offset of the level in the datagram (high 32 bits) and its length (low 32 bits).
        var span: UInt64 = 0
        /// Option values as offset from the level's start (high 16 bits) and length
        /// (low 16 bits), or ``RelayChain/absent``. A level longer than 65,535 bytes
        /// (not from a UDP datagram) keeps none: `relayedMessage` is then `absent`
        /// and the level is parsed again on access.
        var relayedMessage: UInt32 = 0
        var interfaceID: UInt32 = 0
        var remoteID: UInt32 = 0
        var subscriberID: UInt32 = 0
        /// Option 135's port, or ``RelayChain/absent``.
        var relaySourcePort: UInt32 = 0
    }

    /// A value a level does not have (no option offset and length add up to it).
    private static let absent = UInt32.max

    /// The datagram the levels were parsed from.
    private var datagram: UnsafeRawBufferPointer
    private var levels: InlineArray<8, Level>
    /// Number of relay levels; 0 for a message that came straight from a client.
    public private(set) var depth: Int

    /// A chain of no relays: the message came directly from the client.
    public init() {
        datagram = UnsafeRawBufferPointer(start: nil, count: 0)
        levels = InlineArray(repeating: Level())
        depth = 0
    }

    init(datagram: UnsafeRawBufferPointer) {
        self.init()
        self.datagram = datagram
    }

    /// Records the level `bytes` (inside `datagram`) whose parse found `parts`.
    mutating func append(_ bytes: UnsafeRawBufferPointer, _ parts: RelayMessageView.Parts) throws(WireError) {
        guard depth < Self.maximumDepth else { throw .relayChainTooDeep(limit: Self.maximumDepth) }
        let start = bytes.baseAddress!
        var entry = Level()
        entry.span = UInt64(start - datagram.baseAddress!) << 32 | UInt64(bytes.count)
        if bytes.count <= Int(UInt16.max) {
            entry.relayedMessage = Self.span(parts.relayedMessage, from: start)
            entry.interfaceID = Self.span(parts.interfaceID, from: start)
            entry.remoteID = Self.span(parts.remoteID, from: start)
            entry.subscriberID = Self.span(parts.subscriberID, from: start)
            entry.relaySourcePort = parts.relaySourcePort.map(UInt32.init) ?? Self.absent
        } else {
            entry.relayedMessage = Self.absent
        }
        levels[depth] = entry
        depth += 1
    }

    /// `value`'s offset from `start` and length, packed; ``absent`` for nil.
    @inline(__always)
    private static func span(_ value: UnsafeRawBufferPointer?, from start: UnsafeRawPointer) -> UInt32 {
        guard let value else { return absent }
        let offset = value.baseAddress.map { $0 - start } ?? 0
        return UInt32(offset) << 16 | UInt32(value.count)
    }

    /// Level `index`, 0 being the outermost.
    public subscript(index: Int) -> RelayMessageView {
        precondition(index >= 0 && index < depth, "relay level \(index) out of 0..<\(depth)")
        let level = levels[index]
        let bytes = self.bytes(of: level)
        guard level.relayedMessage != Self.absent else { return Self.parseAgain(bytes) }
        let parts = RelayMessageView.Parts(
            relayedMessage: Self.value(level.relayedMessage, in: bytes)!,
            interfaceID: Self.value(level.interfaceID, in: bytes), remoteID: Self.value(level.remoteID, in: bytes),
            subscriberID: Self.value(level.subscriberID, in: bytes),
            relaySourcePort: level.relaySourcePort == Self.absent ? nil : UInt16(level.relaySourcePort))
        return RelayMessageView(validated: bytes, parts)
    }

    /// The whole of level `index` (header and options), as received.
    func bytes(ofLevel index: Int) -> UnsafeRawBufferPointer {
        precondition(index >= 0 && index < depth, "relay level \(index) out of 0..<\(depth)")
        return bytes(of: levels[index])
    }

    /// Level `index`'s Interface-ID (option 18) value, without rebuilding the level's view.
    func interfaceID(ofLevel index: Int) -> UnsafeRawBufferPointer? {
        precondition(index >= 0 && index < depth, "relay level \(index) out of 0..<\(depth)")
        let level = levels[index]
        guard level.relayedMessage != Self.absent else { return self[index].interfaceID }
        return Self.value(level.interfaceID, in: bytes(of: level))
    }

    // The spans were taken from views of this datagram: no bounds to check again.

    private func bytes(of level: Level) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(
            start: datagram.baseAddress! + Int(level.span >> 32), count: Int(level.span & 0xFFFF_FFFF))
    }

    private static func value(_ span: UInt32, in bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        guard span != absent else { return nil }
        return UnsafeRawBufferPointer(start: bytes.baseAddress! + Int(span >> 16), count: Int(span & 0xFFFF))
    }

    private static func parseAgain(_ bytes: UnsafeRawBufferPointer) -> RelayMessageView {
        do throws(WireError) {
            return try RelayMessageView(parsing: bytes)
        } catch {
            preconditionFailure("a relay level that parsed once failed to parse again: \(error)")
        }
    }

    /// The relay closest to the client as the server identifies the client's line:
    /// its link-address, peer-address, Interface-ID, Remote-ID and Subscriber-ID;
    /// nil when the message came straight from the client. Read from what the parse
    /// kept, without rebuilding the level's view (the engine asks for every query).
    public var innermostIdentity:
        (
            linkAddress: IPv6Address, peerAddress: IPv6Address, interfaceID: UnsafeRawBufferPointer?,
            remoteID: UnsafeRawBufferPointer?, subscriberID: UnsafeRawBufferPointer?
        )?
    {
        guard depth > 0 else { return nil }
        let level = levels[depth - 1]
        let bytes = bytes(of: level)
        guard level.relayedMessage != Self.absent else {
            let view = Self.parseAgain(bytes)
            return (view.linkAddress, view.peerAddress, view.interfaceID, view.remoteID, view.subscriberID)
        }
        return (
            IPv6Address(networkBytes: bytes, at: 2), IPv6Address(networkBytes: bytes, at: 18),
            Self.value(level.interfaceID, in: bytes), Self.value(level.remoteID, in: bytes),
            Self.value(level.subscriberID, in: bytes)
        )
    }

    /// This chain, read from the copy `move` leads to: the levels are kept as offsets
    /// into the datagram, so only the datagram moves.
    package func relocated(_ move: ByteRelocation) -> RelayChain {
        var chain = self
        chain.datagram = move(datagram)
        return chain
    }

    /// True when the message came straight from the client.
    public var isEmpty: Bool { depth == 0 }

    /// The relay that sent the datagram to the server, if any.
    public var outermost: RelayMessageView? { depth > 0 ? self[0] : nil }

    /// The relay closest to the client (its link-address and peer-address describe
    /// the client's link and the client itself), if any.
    public var innermost: RelayMessageView? { depth > 0 ? self[depth - 1] : nil }
}
