/// Why a row of a Kea lease file was not imported.
public enum ImportSkipReason: String, CaseIterable, Hashable, Sendable, Codable {
    /// `valid_lifetime` 0: Kea's record of a deleted (released) lease.
    case released
    /// State 1: the client declined the address.
    case declined
    /// State 2: Kea reclaimed the lease after it expired.
    case expiredReclaimed = "expired-reclaimed"
    /// A state this import does not know (later Kea versions).
    case otherState = "other-state"
    /// `expire` is at or before the time of the import.
    case expired
    /// Neither `client_id` nor `hwaddr`: nobody to give the lease to.
    case noClientIdentity = "no-client-identity"
    /// The address is in no pool of the configuration.
    case outsidePools = "outside-pools"
    /// The address is in a shared pool: PortLease leases shared addresses only as port sets,
    /// and a Kea lease is a whole address.
    case sharedPool = "shared-pool"
    /// The PortLease log already has the address leased (or quarantined after a decline).
    case addressInLog = "address-in-log"
    /// The PortLease log already has a lease for this client (a client holds one lease).
    case clientInLog = "client-in-log"
    /// The same client holds another active lease in the file; the one that expires last is
    /// imported (PortLease gives a client one lease).
    case duplicateClient = "duplicate-client"
    /// The row could not be read (only with `--skip-bad-rows`; otherwise nothing is imported).
    case badRow = "bad-row"
}
