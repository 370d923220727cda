/// How long a query may wait between its arrival and its worker before it is shed: an
/// answer that comes after the client has given up (and retransmitted) only adds to the
/// pile, so under overload the server drops what is stale and answers what is fresh.
///
/// New exchanges yield first: a DISCOVER is shed at half the budget, while REQUESTs
/// (a SELECTING client finishing its exchange, renewals, rebinds, INIT-REBOOT), RELEASEs
/// and DECLINEs may wait the whole budget, so an overload slows newcomers before it drops
/// a subscriber who is already online. Default 1 s, well under an RFC 2131 client's first
/// retransmission (about 4 s).
public struct QueueDelayBudget: Sendable, Equatable {
    /// The longest wait for everything but a DISCOVER.
    public var nanoseconds: UInt64
    /// The longest wait for a DISCOVER.
    public var discoverNanoseconds: UInt64 { nanoseconds / 2 }

    public init(milliseconds: Int = 1000) {
        nanoseconds = UInt64(max(1, milliseconds)) * 1_000_000
    }

    /// The drop reason for a query of `lane` that waited `waited` nanoseconds, or nil when
    /// it is still worth answering.
    public func shed(waited: UInt64, lane: ShardQueue.Lane) -> DatagramDropReason? {
        switch lane {
        case .starting: waited > discoverNanoseconds ? .staleDiscover : nil
        case .continuing: waited > nanoseconds ? .stale : nil
        }
    }
}
