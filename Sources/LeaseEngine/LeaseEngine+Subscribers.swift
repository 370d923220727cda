import LeaseLog
import PortLeaseWire

/// Subscribers and their limit (RFC 7618 section 10, RFC 6269 section 13.3): who a
/// query's subscriber is, taking a place for a new binding, and a binding that
/// follows its client to another subscriber.
extension LeaseEngine {
    /// The subscriber key of this query under the configured policy; 0 when none applies.
    func subscriber(of query: EngineQuery) -> UInt64 {
        subscriber(clientAddress: query.clientAddress, remoteID: query.remoteID, subscriberID: query.subscriberID)
    }

    /// The subscriber key: a 64-bit hash of the Remote-ID, the Subscriber-ID or the
    /// client's prefix, per the configured policy; 0 when the policy is off or the
    /// query lacks what it names. Two sites colliding on 64 bits would share a limit;
    /// at ten million sites the odds are about one in a million.
    func subscriber(
        clientAddress: IPv6Address, remoteID: UnsafeRawBufferPointer?, subscriberID: UnsafeRawBufferPointer?
    ) -> UInt64 {
        switch configuration.subscriberKey {
        case .none: return 0
        case .remoteID: return remoteID.map { Self.hash(kind: 1, $0) } ?? 0
        case .subscriberID: return subscriberID.map { Self.hash(kind: 2, $0) } ?? 0
        case .clientPrefix(let length):
            let prefix = IPv6Prefix.mask(clientAddress, length)
            var hash = Self.mix(0xCBF2_9CE4_8422_2325, 3)
            hash = Self.mix(hash, prefix.high)
            hash = Self.mix(hash, prefix.low)
            return hash == 0 ? 1 : hash
        }
    }

    static func hash(kind: UInt64, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash = mix(0xCBF2_9CE4_8422_2325, kind)
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return hash == 0 ? 1 : hash
    }

    static func mix(_ hash: UInt64, _ value: UInt64) -> UInt64 {
        var hash = hash
        for shift in stride(from: 0, to: 64, by: 8) {
            hash = (hash ^ (value >> UInt64(shift) & 0xFF)) &* 0x100_0000_01B3
        }
        return hash
    }

    /// Takes one of `subscriber`'s places for a new binding, on whichever shard:
    /// false when it already holds the configured number. A caller that then
    /// attaches nothing gives the place back with `countSubscriber(subscriber, -1)`.
    func admit(_ subscriber: UInt64) -> Bool {
        guard subscriber != 0 else { return true }
        return subscribers.admit(subscriber, limit: configuration.leasesPerSubscriber ?? Int.max)
    }

    /// Adds `delta` to `subscriber`'s count without a limit (0: no subscriber).
    func countSubscriber(_ subscriber: UInt64, _ delta: Int) {
        guard subscriber != 0 else { return }
        subscribers.add(delta, to: subscriber)
    }

    /// Makes entry `id`'s binding count against `subscriber`, the subscriber its
    /// latest query shows. A CPE moved to another customer site (another
    /// Remote-ID, Subscriber-ID or prefix) keeps its client key, so it stays on
    /// this shard with its one binding; the binding moves to the new subscriber,
    /// if that subscriber has room. False when it has none: the caller ends the
    /// binding, so a moved client never keeps a lease its old site still pays for.
    func follow(_ id: UInt32, to subscriber: UInt64) -> Bool {
        let old = table[id].subscriber
        guard old != subscriber else { return true }
        guard admit(subscriber) else { return false }
        countSubscriber(old, -1)
        table[id].subscriber = subscriber
        counters.subscriberMoves += 1
        return true
    }

    /// Ends entry `id`'s binding because of `context`'s query: a lease is logged as
    /// released and kept as the client's previous binding; an offer just ends.
    func end(_ id: UInt32, _ context: RequestContext, records: inout [LeaseRecord]) {
        let bound = table[id].state == .bound
        if bound {
            records.append(
                record(
                    .release, id, table[id].current, time: context.now, lifetime: 0,
                    subscriber: context.query.clientAddress))
        }
        detach(id, keepAsPrevious: bound)
    }
}
