import PortLeaseWire

/// A fixed (address, port set) for one owner: the engine gives it to that owner
/// whenever it asks, and to no one else, even when the pool is otherwise full.
///
/// `psidLength` 0 reserves a whole address (in a full pool); otherwise the port set
/// `psid`/`psidLength` at the shared pool's PSID offset.
///
/// The owner is a client (``Owner/client(_:)``, matched on the key its queries carry:
/// option 61 when it sends one, else htype and chaddr, so a reservation by hardware
/// address does not match a client that sends a client identifier) or a subscriber
/// key the relay or the source address shows (Remote-ID, Subscriber-ID, client
/// prefix). A subscriber's reservation is held by one of its clients at a time: the
/// one that asked last (a replaced CPE takes over its line's tuple; see
/// ``ReservationHolders``).
public struct Reservation: Hashable, Sendable, CustomStringConvertible {
    /// Whose reservation it is.
    public enum Owner: Hashable, Sendable, CustomStringConvertible {
        /// One client key (`id:..` or `hw:..`).
        case client(ClientKey)
        /// The DHCPv6 relay's Remote-ID (RFC 4649, option 37), enterprise number first.
        case remoteID([UInt8])
        /// The DHCPv6 relay's Subscriber-ID (RFC 4580, option 38).
        case subscriberID([UInt8])
        /// Any client whose IPv6 source address lies in the prefix.
        case clientPrefix(IPv6Prefix)

        /// Parses the text the tools print: `id:HEX`, `hw:HEX`, `remote-id:HEX` (5 to 255
        /// bytes: the enterprise number, then the ID), `subscriber-id:HEX` (1 to 255 bytes) or
        /// `prefix:ADDRESS/LENGTH` (length 1 to 128: /0 would name every client); nil otherwise.
        public init?(text: String) {
            let lowered = text.lowercased()
            if let key = ClientKey(text: text) {
                self = .client(key)
            } else if lowered.hasPrefix("remote-id:") {
                // RFC 4649: a 4-byte enterprise number, then at least one byte of ID.
                guard let bytes = Self.relayBytes(lowered.dropFirst(10)), bytes.count >= 5 else { return nil }
                self = .remoteID(bytes)
            } else if lowered.hasPrefix("subscriber-id:") {
                guard let bytes = Self.relayBytes(lowered.dropFirst(14)) else { return nil }
                self = .subscriberID(bytes)
            } else if lowered.hasPrefix("prefix:"), let prefix = IPv6Prefix(String(lowered.dropFirst(7))),
                prefix.length > 0
            {
                self = .clientPrefix(prefix)
            } else {
                return nil
            }
        }

        /// 1 to 255 bytes of hex: what the lease log keeps of a relay option.
        private static func relayBytes(_ text: Substring) -> [UInt8]? {
            guard let bytes = HexBytes.parse(text), (1...255).contains(bytes.count) else { return nil }
            return bytes
        }

        /// The client key, for a client's reservation.
        public var client: ClientKey? {
            if case .client(let key) = self { return key }
            return nil
        }

        public var description: String {
            switch self {
            case .client(let key): "\(key)"
            case .remoteID(let bytes): "remote-id:" + bytes.withUnsafeBytes { HexBytes.text($0) }
            case .subscriberID(let bytes): "subscriber-id:" + bytes.withUnsafeBytes { HexBytes.text($0) }
            case .clientPrefix(let prefix): "prefix:\(prefix)"
            }
        }
    }

    public var owner: Owner
    public var address: IPv4Address
    public var psid: UInt16
    public var psidLength: UInt8

    public init(owner: Owner, address: IPv4Address, psid: UInt16 = 0, psidLength: UInt8 = 0) {
        self.owner = owner
        self.address = address
        self.psid = psid
        self.psidLength = psidLength
    }

    /// A client's reservation.
    public init(client: ClientKey, address: IPv4Address, psid: UInt16 = 0, psidLength: UInt8 = 0) {
        self.init(owner: .client(client), address: address, psid: psid, psidLength: psidLength)
    }

    /// The client key, for a client's reservation; nil for a subscriber's.
    public var client: ClientKey? { owner.client }

    public var description: String {
        psidLength == 0 ? "\(address) for \(owner)" : "\(address) psid \(psid)/\(psidLength) for \(owner)"
    }

    /// True when the two reserve a port in common: the same address, and one PSID a
    /// prefix of the other (a whole address overlaps every port set of it).
    public func overlaps(_ other: Reservation) -> Bool {
        guard address == other.address else { return false }
        let shorter = min(psidLength, other.psidLength)
        return psid >> (psidLength - shorter) == other.psid >> (other.psidLength - shorter)
    }
}
