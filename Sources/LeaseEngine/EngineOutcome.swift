import PortLeaseWire

/// Why the engine sent nothing back. Each reason has its own counter.
public enum DropReason: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    /// op was not BOOTREQUEST.
    case notBootRequest
    /// No option 53: a BOOTP message, which this server does not serve.
    case noMessageType
    /// Neither option 61 nor a hardware address: nothing to key a lease on.
    case noClientIdentity
    /// A message type a client does not send (OFFER, ACK, NAK, unknown).
    case unexpectedMessageType
    /// No pool matches the client.
    case noPoolForClient
    /// Only shared pools match and the client did not ask for option 159 (RFC 7618 8.1: MUST discard).
    case sharedPoolsOnly
    /// Every eligible pool is full.
    case poolsExhausted
    /// The subscriber already holds the configured number of leases (RFC 7618 section 10).
    case subscriberLimit
    /// A SELECTING REQUEST for another server: our offer, if any, was released.
    case otherServerSelected
    /// INIT-REBOOT, RENEWING or REBINDING for a client or address we know nothing of: RFC 2131
    /// 4.3.2 says remain silent.
    case unknownClient
    /// A REQUEST that fits no RFC 2131 state (for example SELECTING without option 50).
    case malformedRequest
    /// RELEASE of a lease the client does not hold.
    case releaseNotFound
    /// DECLINE of a binding the client does not hold.
    case declineNotFound
    /// The reply did not fit the caller's buffer.
    case replyTooLarge
    /// A DISCOVER for a subscriber's reservation that another of the subscriber's clients holds
    /// on another shard: that shard is asked to end it, and the retransmission is answered.
    case reservationHandover
    /// A query about a pool this server is the hot standby of: its active partner answers.
    case standby

    public var description: String {
        switch self {
        case .notBootRequest: "not-bootrequest"
        case .noMessageType: "no-message-type"
        case .noClientIdentity: "no-client-identity"
        case .unexpectedMessageType: "unexpected-message-type"
        case .noPoolForClient: "no-pool-for-client"
        case .sharedPoolsOnly: "shared-pools-only"
        case .poolsExhausted: "pools-exhausted"
        case .subscriberLimit: "subscriber-limit"
        case .otherServerSelected: "other-server-selected"
        case .unknownClient: "unknown-client"
        case .malformedRequest: "malformed-request"
        case .releaseNotFound: "release-not-found"
        case .declineNotFound: "decline-not-found"
        case .replyTooLarge: "reply-too-large"
        case .reservationHandover: "reservation-handover"
        case .standby: "standby"
        }
    }
}

/// What the engine did with one query.
public enum EngineOutcome: Hashable, Sendable {
    /// A reply of this type was written. When `afterCommit` is true it grants or
    /// extends a lease, and must not be sent before this batch's records are durable.
    case reply(DHCPv4MessageType, afterCommit: Bool)
    /// Processed with nothing to send (RELEASE, DECLINE).
    case accepted(DHCPv4MessageType)
    /// Discarded, nothing to send.
    case dropped(DropReason)
}
