import PortSetPool

/// Why an engine could not be built from its configuration.
public enum EngineError: Error, Hashable, Sendable {
    /// Pool `name` could not be built.
    case invalidPool(name: String, PoolError)
    /// More pools than a binding can name (255).
    case tooManyPools(Int)
    /// A shared pool's default PSID length is outside its minimum...maximum.
    case invalidDefaultPSIDLength(name: String, length: Int)
    /// The pools passed in do not match the configuration's pools.
    case poolMismatch(expected: Int, got: Int)
    /// A negative shard index.
    case invalidShard(Int)
    /// A reconfiguration would change the pools' structure (needs a restart).
    case poolStructureChanged(String)
    /// A reservation the pools cannot hold: `reason` says why (outside every pool, a port
    /// set the pool does not offer or keeps reserved, a second one for a client, an overlap).
    case invalidReservation(Reservation, reason: String)
}
