/// Everything that can go wrong with one datagram or exchange, counted by kind in the report.
/// Nothing the generator sees is dropped silently: each reply either advances an exchange or
/// lands in exactly one of these.
public enum PerfError: Int, CaseIterable, Sendable, Error {
    /// Not a valid DHCPv6 / relay / DHCPv4 datagram.
    case malformed
    /// A message type the scenario never expects (an Advertise, a DHCPV4-QUERY from a server, ...).
    case unexpectedType
    /// No simulated subscriber has that xid / chaddr / transaction id.
    case unmatched
    /// A reply for an exchange no longer waiting for it (a duplicate, or an answer after a timeout gave up).
    case late
    /// A DHCPNAK.
    case nak
    /// A DHCPv4 type other than the one the exchange waits for (an ACK to a DISCOVER, ...).
    case wrongReply
    /// The reply's relay chain does not mirror the query's (depth, or the innermost peer-address).
    case relayMismatch
    /// Option 159 inconsistent with what was asked: present for a client that did not list it,
    /// or different from the offer (or the lease held) in the ACK.
    case portParamsMismatch
    /// The ACK's yiaddr is not the address offered or held.
    case addressMismatch
    /// An ACKed (address, port set) overlaps one another subscriber holds.
    case duplicateLease
    /// An Information-Request Reply without option 88.
    case missingOption88
    /// A query that got no reply within the timeout (each one counted, retransmitted or not).
    case timeout
    /// An exchange given up after the last retransmission timed out.
    case abandoned
    /// A send the kernel refused (the io_uring completion carried an error).
    case sendFailure
    /// Open loop: an exchange was due but every subscriber was busy (the offered rate was not met).
    case skipped

    /// The name used in reports and JSON.
    public var name: String {
        switch self {
        case .malformed: "malformed"
        case .unexpectedType: "unexpected-type"
        case .unmatched: "unmatched"
        case .late: "late"
        case .nak: "nak"
        case .wrongReply: "wrong-reply"
        case .relayMismatch: "relay-mismatch"
        case .portParamsMismatch: "port-params-mismatch"
        case .addressMismatch: "address-mismatch"
        case .duplicateLease: "duplicate-lease"
        case .missingOption88: "missing-option-88"
        case .timeout: "timeout"
        case .abandoned: "abandoned"
        case .sendFailure: "send-failure"
        case .skipped: "skipped"
        }
    }
}
