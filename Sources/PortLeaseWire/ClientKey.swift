/// Who a DHCPv4 client is: option 61 when the client sends it, else its
/// hardware type and address (RFC 2131 section 4.2, RFC 4361).
///
/// One hashable key type for the lease tables, the shard choice and the lease log.
/// Keys up to 32 bytes (every hardware address, and RFC 4361 identifiers built on
/// DUID-LL, DUID-LLT or DUID-UUID) are stored inline, so making one does not
/// allocate; longer ones (option 61 may hold up to 255 bytes) use an array.
/// The storage choice depends only on the length, so equal keys compare equal.
public struct ClientKey: Hashable, Sendable, CustomStringConvertible {
    /// Where the key came from. Part of the identity: a client identifier that
    /// happens to equal some htype+chaddr bytes is a different client.
    public enum Kind: UInt8, Sendable {
        /// Option 61's value, type byte included.
        case clientIdentifier = 1
        /// htype followed by the first hlen bytes of chaddr.
        case hardwareAddress = 2
    }

    /// The longest key stored without allocating.
    public static let inlineCapacity = InlineBytes.inlineCapacity

    // Storage before kind: the kind byte then fits in the storage's tail (35 bytes in all).
    // Inlinable, with `withUnsafeBytes` and `==`: the lease table hashes and compares
    // keys on every exchange from another module (see ``InlineBytes``).
    @usableFromInline let storage: InlineBytes
    public let kind: Kind

    /// A key of `kind` holding a copy of `bytes`.
    public init(kind: Kind, bytes: UnsafeRawBufferPointer) {
        self.kind = kind
        storage = InlineBytes(bytes)
    }

    /// A key of `kind` holding `bytes` (as read back from the lease log).
    public init(kind: Kind, bytes: [UInt8]) {
        self = bytes.withUnsafeBytes { ClientKey(kind: kind, bytes: $0) }
    }

    /// A key as the tools print it: `id:HEX` (option 61) or `hw:HEX` (htype and chaddr), the
    /// bytes in hex, plain or joined by colons; nil for any other text.
    public init?(text: String) {
        let lowered = text.lowercased()
        let kind: Kind
        if lowered.hasPrefix("id:") {
            kind = .clientIdentifier
        } else if lowered.hasPrefix("hw:") {
            kind = .hardwareAddress
        } else {
            return nil
        }
        guard let bytes = HexBytes.parse(lowered.dropFirst(3)), !bytes.isEmpty else { return nil }
        self.init(kind: kind, bytes: bytes)
    }

    /// The hardware-address key: `htype` then `address` (at most 16 bytes).
    public init(hardwareType: UInt8, address: UnsafeRawBufferPointer) {
        precondition(address.count <= 16, "a hardware address has at most 16 bytes")
        var key: (UInt64, UInt64, UInt64) = (0, 0, 0)
        storage = withUnsafeMutableBytes(of: &key) { raw in
            raw[0] = hardwareType
            UnsafeMutableRawBufferPointer(rebasing: raw[1...]).copyMemory(from: address)
            return InlineBytes(UnsafeRawBufferPointer(rebasing: raw[0..<(1 + address.count)]))
        }
        kind = .hardwareAddress
    }

    /// The same kind and the same bytes.
    @inlinable
    public static func == (lhs: ClientKey, rhs: ClientKey) -> Bool {
        lhs.kind == rhs.kind && lhs.storage == rhs.storage
    }

    /// Calls `body` with the key's bytes (for hashing, logging, writing to the log).
    @inlinable
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try storage.withUnsafeBytes(body)
    }

    /// The key's bytes as an array.
    public var bytes: [UInt8] {
        withUnsafeBytes { Array($0) }
    }

    /// The number of key bytes.
    @inlinable
    public var count: Int { storage.count }

    /// A hash that is the same in every process and every run (FNV-1a, 64 bit),
    /// unlike `hashValue`: it decides which shard owns a client, so it must not change
    /// across restarts.
    public var stableHash: UInt64 {
        withUnsafeBytes { Self.stableHash(kind: kind, prefix: nil, $0) }
    }

    static func stableHash(kind: Kind, prefix: UInt8?, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        @inline(__always) func mix(_ byte: UInt8) {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        mix(kind.rawValue)
        if let prefix { mix(prefix) }
        for byte in bytes { mix(byte) }
        return hash
    }

    /// `id:` or `hw:` then the bytes in hex, colon-separated (for logs and the CLI).
    public var description: String {
        let hex = withUnsafeBytes { HexBytes.text($0) }
        return (kind == .clientIdentifier ? "id:" : "hw:") + hex
    }
}
