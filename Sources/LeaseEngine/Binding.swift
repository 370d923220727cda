import PortLeaseWire
import PortSetPool

/// An (IPv4 address, port set) held by one client: the unit RFC 7618 keys leases on.
///
/// 8 bytes, a plain value. A full (non-shared) address has `psidLength` 0.
public struct Binding: Hashable, Sendable, CustomStringConvertible {
    public var address: IPv4Address
    /// The PSID, right-aligned.
    public var psid: UInt16
    /// `k`; 0 for a full address.
    public var psidLength: UInt8
    /// Index of the pool (in the configuration's order) the binding comes from.
    public var pool: UInt8

    public init(address: IPv4Address, psid: UInt16, psidLength: UInt8, pool: UInt8) {
        self.address = address
        self.psid = psid
        self.psidLength = psidLength
        self.pool = pool
    }

    init(_ portSet: AllocatedPortSet, pool: Int) {
        self.init(
            address: IPv4Address(portSet.address), psid: UInt16(portSet.psid), psidLength: UInt8(portSet.psidLength),
            pool: UInt8(pool))
    }

    /// The pool's view of the same slots.
    package var portSet: AllocatedPortSet {
        AllocatedPortSet(address: address.value, psid: Int(psid), psidLength: Int(psidLength))
    }

    /// A key unique per (address, PSID, length): how RELEASE and DECLINE find a lease.
    var slotKey: UInt64 {
        UInt64(address.value) << 32 | UInt64(psidLength) << 16 | UInt64(psid)
    }

    public var description: String {
        psidLength == 0 ? "\(address)" : "\(address) psid \(psid)/\(psidLength)"
    }
}
