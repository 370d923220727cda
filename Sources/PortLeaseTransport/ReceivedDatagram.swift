import PortLeaseWire

/// One datagram handed to `ReceiveLoop.run`'s handler.
///
/// `payload` points into the loop's provided-buffer ring: it is valid only during the handler
/// call, after which the buffer goes back to the kernel. Copy what must outlive the call.
/// The struct itself is plain values, so building one allocates nothing.
public struct ReceivedDatagram {
    /// The datagram's bytes (never truncated: truncated datagrams are counted, not delivered).
    public var payload: UnsafeRawBufferPointer
    /// The sender's address and port: where the reply goes.
    public var source: SocketAddress6
    /// The address the datagram was sent to (from `IPV6_PKTINFO`): the reply's source address,
    /// and `ff02::1:2` for multicast queries.
    public var destination: IPv6Address
    /// The interface it arrived on (from `IPV6_PKTINFO`).
    public var interfaceIndex: UInt32
    /// The index in the loop's `sockets` of the socket it arrived on: the socket to reply from.
    public var socketIndex: Int
    /// When the kernel received it (`SO_TIMESTAMPNS`: nanoseconds since the epoch,
    /// `CLOCK_REALTIME`), or 0 when the kernel gave no stamp. Includes the time it waited in
    /// the socket's receive buffer, which a stamp taken by the receive thread would miss.
    public var kernelReceiveTime: UInt64

    public init(
        payload: UnsafeRawBufferPointer, source: SocketAddress6, destination: IPv6Address, interfaceIndex: UInt32,
        socketIndex: Int, kernelReceiveTime: UInt64 = 0
    ) {
        self.kernelReceiveTime = kernelReceiveTime
        self.payload = payload
        self.source = source
        self.destination = destination
        self.interfaceIndex = interfaceIndex
        self.socketIndex = socketIndex
    }
}
