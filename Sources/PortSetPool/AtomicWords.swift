import Synchronization

/// A fixed-size, heap-allocated array of `Atomic<UInt64>`, allocated once when a pool is
/// built and freed by `deinit`.
///
/// `Atomic` is `~Copyable`, so a run-time-sized array of them needs an owner: this final
/// class. Only its `let` pointer is shared, every access goes through the atomics, so it
/// is safe to share across threads.
package final class AtomicWords: @unchecked Sendable {
    package let base: UnsafeMutablePointer<Atomic<UInt64>>
    package let count: Int

    package init(count: Int) {
        self.count = count
        base = .allocate(capacity: max(count, 1))
        for index in 0..<count {
            (base + index).initialize(to: Atomic(0))
        }
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    /// Bytes of storage, for the pool's memory report.
    var byteCount: Int { count * MemoryLayout<UInt64>.stride }
}
