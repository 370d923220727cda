import PortLeaseWire

/// What the per-packet path needs to know of one pool, as plain values.
///
/// Reading a ``PoolPolicy`` out of the configuration copies a struct full of arrays,
/// strings and sets (a retain and a release each) and re-derives its values; every
/// exchange asks several of these questions, so the engine works them out once.
struct PoolFacts {
    /// A shared (port-set) pool.
    let isShared: Bool
    /// A full pool that also serves clients asking for option 159.
    let servesPortParamsClients: Bool
    /// The pool has no match criteria: it serves every client no matched pool fits.
    let matchesEveryone: Bool
    /// A catch-all pool that also serves matched clients once their own pools are full.
    let isFallback: Bool
    /// PSID offset a (0 for a full pool).
    let psidOffset: UInt8
    /// PSID lengths: the default and the range a client's hint is kept within (0 for a full pool).
    let defaultPSIDLength: Int
    let minimumPSIDLength: Int
    let maximumPSIDLength: Int
    /// Bit k set when port sets of PSID length k are offered.
    let offeredLengths: UInt32
    /// Lease time, seconds.
    let validLifetime: UInt32

    init(_ policy: PoolPolicy, offeredLengths: UInt32) {
        switch policy.kind {
        case .shared(let shared):
            isShared = true
            servesPortParamsClients = true
            psidOffset = UInt8(shared.psidOffset)
            defaultPSIDLength = shared.defaultPSIDLength
            minimumPSIDLength = shared.minimumPSIDLength
            maximumPSIDLength = shared.maximumPSIDLength
        case .full(let servePortParamsClients):
            isShared = false
            servesPortParamsClients = servePortParamsClients
            psidOffset = 0
            defaultPSIDLength = 0
            minimumPSIDLength = 0
            maximumPSIDLength = 0
        }
        matchesEveryone = policy.match.isDefault
        isFallback = policy.fallback
        self.offeredLengths = offeredLengths
        validLifetime = policy.validLifetime
    }

    /// True when port sets of PSID length `length` are offered.
    func offers(psidLength length: Int) -> Bool {
        offeredLengths & 1 << UInt32(length) != 0
    }
}
