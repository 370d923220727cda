import PortLeaseWire

/// One decoded DHCPv4-over-DHCPv6 query, as the transport hands it to the engine.
///
/// Holds views into the receive buffer: valid only during the
/// ``LeaseEngine/handle(_:now:reply:records:)`` call it is passed to.
public struct EngineQuery {
    /// The DHCPv4 message from option 87.
    public var message: DHCPv4MessageView
    /// The DHCPV4-QUERY's U flag: the client would have unicast this message
    /// (RENEWING rather than REBINDING).
    public var isUnicast: Bool
    /// The client's IPv6 address: the innermost relay's peer-address, or the
    /// datagram's source when the client sent it directly.
    public var clientAddress: IPv6Address
    /// The innermost relay's link-address (nil when not relayed).
    public var linkAddress: IPv6Address?
    /// The innermost relay's Interface-ID (option 18).
    public var interfaceID: UnsafeRawBufferPointer?
    /// The innermost relay's Remote-ID (option 37), enterprise number included.
    public var remoteID: UnsafeRawBufferPointer?
    /// The innermost relay's Subscriber-ID (option 38).
    public var subscriberID: UnsafeRawBufferPointer?
    /// The name of the interface the datagram arrived on, when known.
    public var interface: String?

    public init(
        message: DHCPv4MessageView, isUnicast: Bool, clientAddress: IPv6Address, linkAddress: IPv6Address? = nil,
        interfaceID: UnsafeRawBufferPointer? = nil, remoteID: UnsafeRawBufferPointer? = nil,
        subscriberID: UnsafeRawBufferPointer? = nil, interface: String? = nil
    ) {
        self.message = message
        self.isUnicast = isUnicast
        self.clientAddress = clientAddress
        self.linkAddress = linkAddress
        self.interfaceID = interfaceID
        self.remoteID = remoteID
        self.subscriberID = subscriberID
        self.interface = interface
    }

    /// A query as unwrapped from a datagram: the client address and relay identity
    /// come from the innermost relay when there is one, else from `source`.
    /// Inlinable: built for every query in the shard worker's module, where it is
    /// made in place instead of in a temporary that is copied out (320 bytes).
    @inlinable
    public init(
        query: DHCPv4QueryView, message: DHCPv4MessageView, relays: RelayChain, source: IPv6Address,
        interface: String? = nil
    ) {
        // Fields assigned here rather than through the memberwise initializer: the
        // message view is large, and delegating copied it once more per query.
        self.message = message
        isUnicast = query.isUnicast
        self.interface = interface
        if let relay = relays.innermostIdentity {
            clientAddress = relay.peerAddress
            linkAddress = relay.linkAddress
            interfaceID = relay.interfaceID
            remoteID = relay.remoteID
            subscriberID = relay.subscriberID
        } else {
            clientAddress = source
            linkAddress = nil
            interfaceID = nil
            remoteID = nil
            subscriberID = nil
        }
    }
}
