import PortLeaseWire

/// Where a datagram came from and arrived, copied out of the receive path so a
/// shard worker can answer it: replies go back to the source address and port
/// (546 from clients, 547 from relays, anything from test clients), leaving from
/// the address the query was sent to.
public struct DatagramOrigin: Hashable, Sendable {
    public var source: IPv6Address
    public var sourcePort: UInt16
    /// The source's scope (interface index) for link-local addresses.
    public var scopeID: UInt32
    /// The address the datagram was sent to (IPV6_PKTINFO): unicast, or ff02::1:2.
    public var destination: IPv6Address
    /// The interface it arrived on.
    public var interfaceIndex: UInt32
    /// Which listening socket received it.
    public var socketIndex: Int

    public init(
        source: IPv6Address, sourcePort: UInt16, scopeID: UInt32 = 0, destination: IPv6Address,
        interfaceIndex: UInt32, socketIndex: Int
    ) {
        self.source = source
        self.sourcePort = sourcePort
        self.scopeID = scopeID
        self.destination = destination
        self.interfaceIndex = interfaceIndex
        self.socketIndex = socketIndex
    }

    /// A placeholder for memory allocated before any datagram arrived.
    static let unspecified = DatagramOrigin(
        source: .unspecified, sourcePort: 0, destination: .unspecified, interfaceIndex: 0, socketIndex: 0)

    /// The address a reply should leave from: the query's destination, unless that
    /// was a multicast group (a reply is never sent from a group address).
    public var replySource: IPv6Address? {
        destination.high >> 56 == 0xFF ? nil : destination
    }
}

/// Where a worker's replies go. The server connects it to the transport's send
/// ring; tests collect replies in memory.
public protocol ReplySink: AnyObject {
    /// Queues `bytes` (copied) for `origin`'s source. False when the sink is full.
    func enqueue(_ bytes: UnsafeRawBufferPointer, to origin: DatagramOrigin) -> Bool
    /// Queues `bytes` for `origin`'s source without copying them: the caller keeps them
    /// unchanged until the next ``flush()`` returns. False when the sink is full.
    func enqueue(borrowing bytes: UnsafeRawBufferPointer, to origin: DatagramOrigin) -> Bool
    /// Sends everything queued.
    func flush()
}

extension ReplySink {
    /// A sink that copies anyway meets the borrowing contract.
    public func enqueue(borrowing bytes: UnsafeRawBufferPointer, to origin: DatagramOrigin) -> Bool {
        enqueue(bytes, to: origin)
    }
}
