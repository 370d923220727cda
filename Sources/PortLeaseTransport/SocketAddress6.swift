import PortLeaseWire

/// An IPv6 socket address: where a datagram came from or goes to.
///
/// A value type of 32 bytes with no allocation, so the receive path can hand one to the
/// handler for every datagram. `scopeID` matters for link-local addresses (`fe80::/10`): it is
/// the interface index the kernel reported, and replies must carry it back.
public struct SocketAddress6: Hashable, Sendable, CustomStringConvertible {
    /// The IPv6 address.
    public var address: IPv6Address
    /// The UDP port, in host order.
    public var port: UInt16
    /// The scope (interface index) of a link-local address; 0 for global addresses.
    public var scopeID: UInt32

    public init(address: IPv6Address, port: UInt16, scopeID: UInt32 = 0) {
        self.address = address
        self.port = port
        self.scopeID = scopeID
    }

    /// `[2001:db8::1]:547`, or `[fe80::1%2]:546` with a scope.
    public var description: String {
        scopeID == 0 ? "[\(address)]:\(port)" : "[\(address)%\(scopeID)]:\(port)"
    }
}
