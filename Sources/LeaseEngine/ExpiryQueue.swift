/// A binary min-heap of (deadline, payload): lease and offer expiry, decline quarantine.
///
/// Expiry costs O(log n) per lease and nothing for leases that are not due, with no
/// scan of the lease table. Entries are never removed early: a renewed lease pushes
/// a new entry and the old one is recognised as stale (by a generation number in the
/// payload) when it surfaces.
struct ExpiryQueue<Payload> {
    private(set) var entries: [(deadline: Int64, payload: Payload)] = []

    var count: Int { entries.count }

    /// The earliest deadline, if any.
    var nextDeadline: Int64? { entries.first?.deadline }

    mutating func push(_ deadline: Int64, _ payload: Payload) {
        entries.append((deadline, payload))
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].deadline < entries[parent].deadline else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest entry if its deadline is at or before `now`.
    mutating func popDue(_ now: Int64) -> (deadline: Int64, payload: Payload)? {
        guard let first = entries.first, first.deadline <= now else { return nil }
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
