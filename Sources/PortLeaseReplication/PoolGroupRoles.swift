import LeaseEngine
import PortLeaseConfiguration
import PortLeaseServer

extension ServerConfiguration.Redundancy.PoolGroup {
    /// Gives the group's pools the roles of `state` (`Docs/Redundancy.md`, "Split network"):
    ///
    /// | state | the group's `pools` | its `standby-pools` |
    /// |---|---|---|
    /// | starting | renewing | renewing |
    /// | active | serving | renewing |
    /// | standby, yielded, handing-back | silent | silent |
    /// | partner-down | renewing | serving |
    ///
    /// So the active and a standby that took over without knowing the active is gone never
    /// allocate from the same pool, and neither hands out a port set the other may have.
    public func assignRoles(_ state: RedundancyStatus.State, in served: ServedPools) {
        switch state {
        case .active:
            served.set(pools, to: .serving)
            served.set(standbyPools, to: .renewing)
        case .starting:
            served.set(pools + standbyPools, to: .renewing)
        case .standby, .yielded, .handingBack:
            served.set(pools + standbyPools, to: .silent)
        case .partnerDown:
            served.set(pools, to: .renewing)
            served.set(standbyPools, to: .serving)
        }
    }
}

extension RedundancyStatus {
    /// Moves `group` to `state`: the state shown, and its pools' roles in `server`'s engines.
    func enter(_ state: State, for group: ServerConfiguration.Redundancy.PoolGroup, on server: Server) {
        set(group.name, state)
        if let served = server.workers.first?.engine.served { group.assignRoles(state, in: served) }
    }
}
