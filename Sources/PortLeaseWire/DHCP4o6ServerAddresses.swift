/// OPTION_DHCP4_O_DHCP6_SERVER (88, RFC 7341 section 5): the IPv6 addresses of
/// the DHCPv4-over-DHCPv6 servers, read in place.
///
/// An empty list is valid and meaningful: it tells the client to multicast its
/// DHCPV4-QUERY to `ff02::1:2`. A length that is not a multiple of 16 is an error.
public struct DHCP4o6ServerAddresses: RandomAccessCollection {
    public let bytes: UnsafeRawBufferPointer

    public init(validating bytes: UnsafeRawBufferPointer) throws(WireError) {
        guard bytes.count % 16 == 0 else { throw .badServerAddressListLength(bytes.count) }
        self.bytes = bytes
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { bytes.count / 16 }

    public subscript(position: Int) -> IPv6Address {
        precondition(position >= 0 && position < endIndex, "server address index out of range")
        return IPv6Address(networkBytes: bytes, at: position * 16)
    }
}
