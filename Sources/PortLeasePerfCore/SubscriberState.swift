import PortLeaseWire

/// Where one simulated subscriber is in its exchange: which reply it waits for.
enum SubscriberPhase: UInt8 {
    case idle
    /// DISCOVER sent, waiting for an OFFER.
    case discovering
    /// REQUEST (SELECTING) sent, waiting for the ACK.
    case selecting
    /// RENEWING REQUEST sent, waiting for the ACK.
    case renewing
    /// INIT-REBOOT REQUEST sent, waiting for the ACK.
    case rebooting
    /// Information-Request sent, waiting for the Reply.
    case informing
    /// Query sent to an echo responder, waiting for it to come back.
    case echoing
}

/// One subscriber's state, preallocated for every subscriber (about 64 bytes each).
///
/// `previous` / `next` thread the subscribers waiting for a reply into the lists of a
/// ``TimeoutWheel`` by deadline (intrusive lists, so nothing allocates).
struct SubscriberState {
    var phase = SubscriberPhase.idle
    /// The scenario of the exchange in progress (a mix gives each exchange its own).
    var scenario = Scenario.dora
    /// The low byte of the xid of the latest query (retransmissions reuse it).
    var sequence: UInt8 = 0
    var retries: UInt8 = 0
    /// Whether `held` is recorded in the engine's `HoldingSet` (false after an overlap).
    var inHoldingSet = false
    var exchangeStart: UInt64 = 0
    var sentAt: UInt64 = 0
    var offered = IPv4Address.zero
    var offeredParams: PortParams?
    var server = IPv4Address.zero
    /// The lease last ACKed (zero when none).
    var held = IPv4Address.zero
    var heldParams: PortParams?
    /// When the query in flight times out (monotonic ns), while `inWheel`.
    var deadline: UInt64 = 0
    var inWheel = false
    var previous: Int32 = -1
    var next: Int32 = -1
}
