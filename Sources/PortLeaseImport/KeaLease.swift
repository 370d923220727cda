import PortLeaseWire

/// One row of a Kea DHCPv4 memfile, read and checked: what the import needs of it.
public struct KeaLease: Hashable, Sendable {
    /// Kea's lease states (`Lease::STATE_*`).
    public enum State: Hashable, Sendable {
        /// 0: the lease is (or was, until `expire`) held.
        case active
        /// 1: the client declined the address; Kea holds it back until `expire`.
        case declined
        /// 2: Kea found the lease expired and reclaimed it (kept for a while for the same client).
        case expiredReclaimed
        /// Any other value (a later Kea's state this import does not know).
        case other(UInt32)

        init(_ value: UInt32) {
            switch value {
            case 0: self = .active
            case 1: self = .declined
            case 2: self = .expiredReclaimed
            default: self = .other(value)
            }
        }
    }

    /// The row's line in the file (the header is line 1).
    public var line: Int
    /// The leased address.
    public var address: IPv4Address
    /// The client as PortLease's engine keys it: option 61 (`client_id`) when Kea recorded
    /// one, else hardware type 1 (Ethernet) and `hwaddr`; nil when the row has neither
    /// (Kea clears both when a lease is declined).
    public var clientKey: ClientKey?
    /// `valid_lifetime`, seconds. 0 is how Kea's memfile records a deleted (released) lease.
    public var validLifetime: UInt32
    /// `expire`: when the lease ends, seconds since the Unix epoch.
    public var expire: Int64
    /// `state`.
    public var state: State
    /// `hostname`, unescaped (see ``KeaEscaping``); empty when absent.
    public var hostname: String

    /// A lease as a row describes it (the reader builds them; tests too).
    package init(
        line: Int, address: IPv4Address, clientKey: ClientKey?, validLifetime: UInt32, expire: Int64,
        state: State, hostname: String = ""
    ) {
        self.line = line
        self.address = address
        self.clientKey = clientKey
        self.validLifetime = validLifetime
        self.expire = expire
        self.state = state
        self.hostname = hostname
    }

    /// When Kea granted or last extended the lease (its `cltt`): `expire - valid_lifetime`, seconds.
    public var start: Int64 { expire - Int64(validLifetime) }
}
