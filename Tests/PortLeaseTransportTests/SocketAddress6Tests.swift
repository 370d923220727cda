import PortLeaseTransport
import PortLeaseWire
import Testing

@Suite("SocketAddress6")
struct SocketAddress6Tests {
    @Test func descriptionBracketsTheAddress() {
        #expect(SocketAddress6(address: IPv6Address("2001:db8::1")!, port: 547).description == "[2001:db8::1]:547")
        #expect(
            SocketAddress6(address: IPv6Address("fe80::1")!, port: 546, scopeID: 2).description == "[fe80::1%2]:546")
    }
}
