import PortLeaseWire

/// What the engine knows of one client, apart from its key: 32 bytes.
///
/// The table stores each entry with its client's key in a 48-byte ``LeaseSlot``,
/// so a client costs that, the tail of a key over 16 bytes, an index slot and an
/// expiry-queue entry.
struct LeaseEntry {
    enum State: UInt8 {
        /// No current binding (only, perhaps, a previous one).
        case idle
        /// `current` is offered and held until `expiry`.
        case offered
        /// `current` is leased until `expiry`.
        case bound
    }

    /// The `pool` of a binding that is not there (no previous binding).
    static let noPool: UInt8 = 0xFF

    // Laid out to 31 bytes (stride 32): the 8-byte field first, then both bindings,
    // the expiry and three single bytes.

    /// The subscriber the current binding counts against (0: none).
    var subscriber: UInt64 = 0
    /// Valid when `state` is not idle.
    var current = Binding(address: .zero, psid: 0, psidLength: 0, pool: 0)
    /// The last binding the client held (released or expired), for RFC 7618's
    /// selection step 2; none when its pool is ``noPool``.
    var previous = Binding(address: .zero, psid: 0, psidLength: 0, pool: LeaseEntry.noPool)
    /// Seconds since the epoch, rounded up: when the offer or lease ends.
    var expirySeconds: UInt32 = 0
    /// The state in the low bits, ``queuedBit`` above them.
    private var stateBits: UInt8 = 0
    /// The client key's kind (``ClientKey/Kind`` raw value) and length (at most
    /// 255: option 61's length is one byte, and the lease log holds no longer key);
    /// its bytes are stored beside the entry (``LeaseSlot``).
    let keyKind: UInt8
    let keyLength: UInt8

    private static let queuedBit: UInt8 = 0x80

    init(keyKind: ClientKey.Kind, keyLength: Int) {
        self.keyKind = keyKind.rawValue
        self.keyLength = UInt8(truncatingIfNeeded: keyLength)
    }

    var state: State {
        get { State(rawValue: stateBits & ~Self.queuedBit) ?? .idle }
        set { stateBits = stateBits & Self.queuedBit | newValue.rawValue }
    }

    /// Whether the engine's expiry queue holds an entry for this id whose deadline
    /// is at or before `expirySeconds`, so a later deadline needs no new entry.
    var queued: Bool {
        get { stateBits & Self.queuedBit != 0 }
        set { stateBits = newValue ? stateBits | Self.queuedBit : stateBits & ~Self.queuedBit }
    }

    /// Milliseconds since the epoch; stored as whole seconds, rounded up (DHCP lease
    /// times are seconds, so a lease may last up to a second longer, never shorter).
    var expiry: Int64 {
        get { Int64(expirySeconds) * 1000 }
        set { expirySeconds = Self.seconds(newValue) }
    }

    /// Whether a previous binding is remembered; setting false forgets it.
    var hasPrevious: Bool {
        get { previous.pool != Self.noPool }
        set { if !newValue { previous.pool = Self.noPool } }
    }

    /// `milliseconds` as whole seconds, rounded up, within UInt32.
    static func seconds(_ milliseconds: Int64) -> UInt32 {
        UInt32(clamping: (milliseconds + 999) / 1000)
    }
}
