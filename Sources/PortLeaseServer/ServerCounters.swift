import Synchronization

/// Why the receive path or a worker dropped a datagram, for the dropped-by-reason metric.
public enum DatagramDropReason: Int, CaseIterable, Sendable, CustomStringConvertible {
    /// The DHCPv6 or relay framing was malformed (a ``WireError`` at that layer).
    case malformedDHCPv6
    /// The DHCPv4 message inside option 87 was malformed.
    case malformedDHCPv4
    /// A DHCPv6 message type this server does not serve (SOLICIT, RENEW, ...).
    case unsupportedMessageType
    /// An Information-Request naming another server's DUID.
    case otherServer
    /// The shard queue's continuing lane was full (a query other than a DISCOVER).
    case queueFull
    /// The send ring was full or the reply could not be encoded.
    case replyFailed
    /// The lease log could not commit: grants of that batch were not sent.
    case logCommitFailed
    /// A DISCOVER over its source prefix's rate (``DiscoverRateLimiter``).
    case discoverRate
    /// A DISCOVER that waited in its shard's queue past half the queue-delay budget.
    case staleDiscover
    /// Any other query that waited past the queue-delay budget.
    case stale
    /// A DISCOVER found the shard queue's starting lane full.
    case queueFullDiscover
    /// A retransmission of a query still waiting in its shard's queue: the waiting copy is
    /// answered, with the retransmission's receive time (not a loss: counted to show it).
    case duplicate

    public var description: String {
        switch self {
        case .malformedDHCPv6: "malformed-dhcpv6"
        case .malformedDHCPv4: "malformed-dhcpv4"
        case .unsupportedMessageType: "unsupported-message-type"
        case .otherServer: "other-server"
        case .queueFull: "queue-full"
        case .replyFailed: "reply-failed"
        case .logCommitFailed: "log-commit-failed"
        case .discoverRate: "discover-rate"
        case .staleDiscover: "stale-discover"
        case .stale: "stale"
        case .queueFullDiscover: "queue-full-discover"
        case .duplicate: "duplicate"
        }
    }
}

/// Counters shared by the receive loop and the workers: relaxed atomic adds, read
/// by the metrics endpoint at any time.
public final class ServerCounters: Sendable {
    /// The DHCPv6 message types counted by name; everything else is "other".
    public static let countedTypes: [(type: UInt8, name: String)] = [
        (11, "information-request"), (20, "dhcpv4-query"), (1, "solicit"), (3, "request"), (5, "renew"),
        (6, "rebind"), (8, "release"), (12, "relay-forward"),
    ]

    /// Per counted type, then "other" last.
    private let received = AtomicCounters(count: ServerCounters.countedTypes.count + 1)
    private let dropped = AtomicCounters(count: DatagramDropReason.allCases.count)
    /// Information-Requests answered with option 88.
    public let informationReplies = Atomic<Int>(0)
    /// 1 while the sockets drop DISCOVERs in the kernel (``KernelShedding``), else 0.
    public let kernelFilterAttached = Atomic<Int>(0)
    /// How many times the kernel DISCOVER filter was attached.
    public let kernelFilterEpisodes = Atomic<Int>(0)
    /// Datagrams received in total.
    public let datagrams = Atomic<Int>(0)

    public init() {}

    /// Counts a received message by its innermost DHCPv6 type.
    public func countReceived(type: UInt8) {
        datagrams.add(1, ordering: .relaxed)
        for (index, entry) in Self.countedTypes.enumerated() where entry.type == type {
            received.add(index)
            return
        }
        received.add(Self.countedTypes.count)
    }

    public func countDrop(_ reason: DatagramDropReason, _ count: Int = 1) {
        dropped.add(reason.rawValue, count)
    }

    public func drops(_ reason: DatagramDropReason) -> Int {
        dropped[reason.rawValue]
    }

    /// (type name, count) for every counted type and "other".
    public func receivedByType() -> [(String, Int)] {
        Self.countedTypes.enumerated().map { ($0.element.name, received[$0.offset]) }
            + [("other", received[Self.countedTypes.count])]
    }
}
