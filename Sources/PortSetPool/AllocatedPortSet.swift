/// One port set handed out by a ``PortSetPool``: the address, the PSID and its length.
///
/// Exactly the three values option 159 and the lease log carry; the offset is the pool's.
/// A plain value (no allocation), so allocation stays allocation-free.
public struct AllocatedPortSet: Hashable, Sendable {
    /// The IPv4 address in host byte order.
    public var address: UInt32
    /// The PSID, `0 ..< 2^psidLength`.
    public var psid: Int
    /// The PSID length `k`; 0 is a full (unshared) address.
    public var psidLength: Int

    /// Creates a value; the pool validates it when it is claimed or released.
    @inlinable
    public init(address: UInt32, psid: Int, psidLength: Int) {
        self.address = address
        self.psid = psid
        self.psidLength = psidLength
    }
}
