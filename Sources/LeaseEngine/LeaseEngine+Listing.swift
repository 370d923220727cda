import PortLeaseWire

/// Listings for the control API: a shard's current bindings that pass a filter, in (address,
/// PSID length, PSID) order, one bounded step of the table at a time, so that a listing of a
/// large table never holds the worker back for long (the API runs one step per control job).
extension LeaseEngine {
    /// What a listing filter sees of a binding: the binding and the subscriber it counts against.
    public struct ListedBinding: Sendable {
        public var binding: Binding
        /// The subscriber key (``subscriberKey(clientAddress:remoteID:subscriberID:)``), 0: none.
        public var subscriber: UInt64
    }

    /// One step of a listing: among the slots `start ..< start + count`, the current bindings
    /// (offered or bound) that pass `include` and sort after `after`, at most `limit` of them,
    /// smallest first. Returns them and where the next step starts (nil: the table is done).
    public func leases(
        scanningFrom start: Int, count: Int, after: Binding.Order?, limit: Int,
        include: (ListedBinding) -> Bool
    ) -> (leases: [(key: ClientKey, state: LeaseState)], next: Int?) {
        let end = min(start + count, table.slotCount)
        // The `limit` smallest, kept sorted: a match enters only when it beats the largest kept,
        // so a step costs a comparison per binding, not a sort of every match.
        var best: [(id: UInt32, order: Binding.Order)] = []
        best.reserveCapacity(min(limit, 1024) + 1)
        var id = UInt32(clamping: start)
        while Int(id) < end {
            let entry = table[id]
            if entry.state != .idle {
                let order = entry.current.order
                if after.map({ order > $0 }) ?? true, best.count < limit || order < best[best.count - 1].order,
                    include(ListedBinding(binding: entry.current, subscriber: entry.subscriber))
                {
                    var low = 0
                    var high = best.count
                    while low < high {
                        let middle = (low + high) / 2
                        if best[middle].order < order { low = middle + 1 } else { high = middle }
                    }
                    best.insert((id, order), at: low)
                    if best.count > limit { best.removeLast() }
                }
            }
            id += 1
        }
        let leases = best.map { item in
            let key = table.key(of: item.id)
            return (key: key, state: lease(of: key)!)
        }
        return (leases, end < table.slotCount ? end : nil)
    }

    /// The subscriber key the configured `subscriber-key` gives these parts of a query (0:
    /// the policy is off, or the parts it names are missing): what a listing by subscriber
    /// compares with each binding's.
    public func subscriberKey(clientAddress: IPv6Address, remoteID: [UInt8]?, subscriberID: [UInt8]?) -> UInt64 {
        let remote = remoteID ?? []
        let subscriberBytes = subscriberID ?? []
        return remote.withUnsafeBytes { remoteRaw in
            subscriberBytes.withUnsafeBytes { subscriberRaw in
                subscriber(
                    clientAddress: clientAddress, remoteID: remoteID == nil ? nil : remoteRaw,
                    subscriberID: subscriberID == nil ? nil : subscriberRaw)
            }
        }
    }
}

extension Binding {
    /// The listing order of bindings: address, then PSID length, then PSID.
    public struct Order: Comparable, Hashable, Sendable {
        public var address: UInt32
        public var psidLength: UInt8
        public var psid: UInt16

        public init(address: UInt32, psidLength: UInt8, psid: UInt16) {
            self.address = address
            self.psidLength = psidLength
            self.psid = psid
        }

        public static func < (left: Order, right: Order) -> Bool {
            (left.address, left.psidLength, left.psid) < (right.address, right.psidLength, right.psid)
        }
    }

    public var order: Order { Order(address: address.value, psidLength: psidLength, psid: psid) }
}
