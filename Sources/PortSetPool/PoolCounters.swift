/// Free and used port sets of one length in one partition: a metrics snapshot.
public struct PoolCounters: Hashable, Sendable {
    /// The home partition the counts are for.
    public var partition: Int
    /// The PSID length `k` the counts are for.
    public var psidLength: Int
    /// Sets of this length that could be allocated now (free aligned runs; a free larger
    /// set counts as several of these).
    public var free: Int
    /// Sets of this length currently allocated.
    public var used: Int
}
