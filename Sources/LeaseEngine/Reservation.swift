import PortLeaseWire

/// A fixed (address, port set) for one client: the engine gives it to that client
/// whenever it asks, and to no one else, even when the pool is otherwise full.
///
/// `psidLength` 0 reserves a whole address (in a full pool); otherwise the port set
/// `psid`/`psidLength` at the shared pool's PSID offset. The client is matched on the
/// key its queries carry (``ClientKey``: option 61 when it sends one, else htype and
/// chaddr), so a reservation by hardware address does not match a client that sends a
/// client identifier.
public struct Reservation: Hashable, Sendable, CustomStringConvertible {
    public var client: ClientKey
    public var address: IPv4Address
    public var psid: UInt16
    public var psidLength: UInt8

    public init(client: ClientKey, address: IPv4Address, psid: UInt16 = 0, psidLength: UInt8 = 0) {
        self.client = client
        self.address = address
        self.psid = psid
        self.psidLength = psidLength
    }

    public var description: String {
        psidLength == 0 ? "\(address) for \(client)" : "\(address) psid \(psid)/\(psidLength) for \(client)"
    }

    /// True when the two reserve a port in common: the same address, and one PSID a
    /// prefix of the other (a whole address overlaps every port set of it).
    public func overlaps(_ other: Reservation) -> Bool {
        guard address == other.address else { return false }
        let shorter = min(psidLength, other.psidLength)
        return psid >> (psidLength - shorter) == other.psid >> (other.psidLength - shorter)
    }
}
