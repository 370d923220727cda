/// What each simulated subscriber does in one measured exchange.
///
/// An exchange is the unit the rate counts: a whole DORA is one exchange (two round trips),
/// a RENEWING REQUEST is one (one round trip). `echo` measures the generator and loopback
/// alone, against a responder that sends every datagram back.
public enum Scenario: String, CaseIterable, Sendable {
    /// DISCOVER, OFFER, REQUEST (SELECTING), ACK.
    case dora
    /// A DORA, then a RELEASE (which gets no reply): the pool never fills.
    case doraRelease = "dora-release"
    /// A RENEWING REQUEST (ciaddr, option 159 echoed, U flag) for a lease obtained beforehand.
    case renew
    /// An INIT-REBOOT REQUEST (requested address, option 159) for a lease obtained beforehand.
    case initReboot = "init-reboot"
    /// A DHCPv6 Information-Request asking for option 88 (RFC 7341 section 5).
    case infoRequest = "info-request"
    /// A DISCOVER-sized DHCPV4-QUERY sent to an echo responder, which returns it unchanged.
    case echo

    /// Whether every measured subscriber needs a lease before measuring starts.
    public var needsLease: Bool { self == .renew || self == .initReboot }

    /// Query/reply round trips in one exchange (a RELEASE has no reply).
    public var roundTrips: Int { self == .dora || self == .doraRelease ? 2 : 1 }
}
