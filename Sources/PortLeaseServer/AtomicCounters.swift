import Synchronization

/// A fixed number of atomic counters in one allocation (an `Atomic` is not
/// copyable, so it cannot live in an array).
public final class AtomicCounters: Sendable {
    public let count: Int
    private nonisolated(unsafe) let storage: UnsafeMutablePointer<Atomic<Int>>

    public init(count: Int) {
        self.count = count
        storage = .allocate(capacity: max(count, 1))
        for index in 0..<count { (storage + index).initialize(to: Atomic(0)) }
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    public func add(_ index: Int, _ value: Int = 1) {
        storage[index].add(value, ordering: .relaxed)
    }

    public func store(_ index: Int, _ value: Int) {
        storage[index].store(value, ordering: .relaxed)
    }

    public subscript(index: Int) -> Int {
        storage[index].load(ordering: .relaxed)
    }
}
