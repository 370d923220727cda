/// A binary min-heap of (deadline, payload): lease and offer expiry, decline quarantine.
///
/// Expiry costs O(log n) per lease and nothing for leases that are not due, with no
/// scan of the lease table. Entries are never removed early: the owner decides what
/// a surfacing entry means (for leases, ``LeaseEngine/expire(now:records:)`` checks
/// the lease's current deadline). Deadlines are kept as whole seconds, rounded up,
/// so a lease's entry is 8 bytes; the interface speaks milliseconds like the rest.
struct ExpiryQueue<Payload> {
    private(set) var entries: [(deadline: UInt32, payload: Payload)] = []

    var count: Int { entries.count }

    /// The earliest deadline in milliseconds, if any.
    var nextDeadline: Int64? { entries.first.map { Int64($0.deadline) * 1000 } }

    /// Makes room for `count` entries without growing.
    mutating func reserveCapacity(_ count: Int) {
        entries.reserveCapacity(count)
    }

    mutating func push(_ deadline: Int64, _ payload: Payload) {
        entries.append((LeaseEntry.seconds(deadline), payload))
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].deadline < entries[parent].deadline else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest entry (deadline in whole seconds) if its
    /// deadline is at or before `now` (milliseconds).
    mutating func popDue(_ now: Int64) -> (deadline: UInt32, payload: Payload)? {
        guard let first = entries.first, Int64(first.deadline) * 1000 <= now else { return nil }
        let last = entries.removeLast()
        if entries.isEmpty { return first }
        entries[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < entries.count else { break }
            let right = left + 1
            let smaller = right < entries.count && entries[right].deadline < entries[left].deadline ? right : left
            guard entries[smaller].deadline < entries[parent].deadline else { break }
            entries.swapAt(parent, smaller)
            parent = smaller
        }
        return first
    }
}
