import LeaseLog
import PortLeaseWire

/// What the engine holds, for tests, the CLI, the control API and metrics: a client's lease,
/// the holder of a binding, every current binding, a subscriber's count, and sizing.
extension LeaseEngine {
    /// A client's state as the engine sees it.
    public struct LeaseState: Hashable, Sendable {
        public enum Kind: Hashable, Sendable { case offered, bound }
        public var kind: Kind
        public var binding: Binding
        /// Milliseconds since the epoch.
        public var expiry: Int64
        public var previous: Binding?
    }

    /// The current lease or offer of `key`, if any.
    public func lease(of key: ClientKey) -> LeaseState? {
        guard let id = table.find(key) else { return nil }
        let entry = table[id]
        let previous = entry.hasPrevious ? entry.previous : nil
        switch entry.state {
        case .idle: return nil
        case .offered:
            return LeaseState(kind: .offered, binding: entry.current, expiry: entry.expiry, previous: previous)
        case .bound: return LeaseState(kind: .bound, binding: entry.current, expiry: entry.expiry, previous: previous)
        }
    }

    /// The previous (released or expired) binding remembered for `key`.
    public func previousBinding(of key: ClientKey) -> Binding? {
        guard let id = table.find(key), table[id].hasPrevious else { return nil }
        return table[id].previous
    }

    /// The client currently holding exactly `binding`. A scan of the whole table:
    /// for tests and tools, not for the packet path (which never needs it, so no
    /// index by slot costs memory per lease).
    public func holder(of binding: Binding) -> ClientKey? {
        table.holder(of: binding).map { table.key(of: $0) }
    }

    /// Every current binding: (client, binding, bound or offered, expiry).
    public func currentBindings() -> [(key: ClientKey, state: LeaseState)] {
        table.activeIDs.map { id in
            let key = table.key(of: id)
            return (key, lease(of: key)!)
        }
    }

    /// Current bindings, on every shard, of the subscriber `query` shows (tests of the limit).
    public func activeCount(subscriberOf query: EngineQuery) -> Int {
        subscribers.count(of: subscriber(of: query))
    }

    /// Reserves room for `count` clients (and as many subscribers when a limit is
    /// configured), so the tables never grow, and never pause to rehash, below that.
    public func reserveCapacity(_ count: Int) {
        table.reserveCapacity(count)
        expiries.reserveCapacity(count)
        if configuration.subscriberKey != .none { subscribers.reserveCapacity(count) }
    }
}
